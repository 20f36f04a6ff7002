import phonenumbers
from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from accounts.models import Role, User
from core.forms import ChoicesByIdField, DateField, searchable
from families.grants import grantable_children, grantable_levels, grantable_scope
from families.models import (
    AccessLevel,
    Caregiver,
    CaseloadAssignment,
    Child,
    ConsentKind,
    Family,
    Relationship,
    Scope,
    SummaryFrequency,
)


class FamilyForm(forms.ModelForm):
    class Meta:
        model = Family
        fields = [
            "name",
            "address",
            "postcode",
            "phone",
            "email",
            "preferred_contact",
            "notes_for_practice",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "notes_for_practice": forms.Textarea(attrs={"rows": 3}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data["postcode"].upper().split())


class FirstCaregiverForm(forms.Form):
    full_name = forms.CharField(label="Parent or guardian's name", max_length=150)
    email = forms.EmailField(
        label="Their e-mail address", help_text="We'll send them a link to set a password."
    )
    relationship = forms.ChoiceField(
        choices=[
            (Relationship.PARENT, Relationship.PARENT.label),
            (Relationship.GUARDIAN, Relationship.GUARDIAN.label),
            (Relationship.OTHER, Relationship.OTHER.label),
        ]
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(role=Role.CAREGIVER).exists():
            raise forms.ValidationError("This address belongs to a member of staff.")
        return email


class ChildForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "school",
            "needs",
            "enjoys",
            "what_helps",
        ]
        field_classes = {"date_of_birth": DateField}
        widgets = {
            "needs": forms.Textarea(attrs={"rows": 3}),
            "enjoys": forms.Textarea(attrs={"rows": 2}),
            "what_helps": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if today.year - born.year > 25:
            raise forms.ValidationError(
                "Please check the year: the practice sees children and young people."
            )
        return born


class ChildBriefForm(ChildForm):
    """The short version used when registering a family; details come later."""

    class Meta(ChildForm.Meta):
        fields = ["first_name", "last_name", "preferred_name", "date_of_birth", "school"]


ChildFormSet = forms.formset_factory(
    ChildBriefForm, extra=2, min_num=1, validate_min=True, max_num=8
)


class CaseloadAssignForm(forms.Form):
    therapist = forms.ModelChoiceField(queryset=User.objects.none())
    kind = forms.ChoiceField(
        choices=CaseloadAssignment.Kind.choices, initial=CaseloadAssignment.Kind.LEAD
    )
    starts_on = DateField(initial=timezone.localdate)

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["therapist"].widget.attrs["data-searchable"] = "Find a therapist"


class LeadTherapistForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Lead therapist",
        empty_label="Choose a therapist",
        widget=searchable("Find a therapist"),
    )
    children = ChoicesByIdField(
        queryset=Child.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="For",
        error_messages={"required": "Choose at least one child."},
    )

    def __init__(self, *args, therapists, children, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["children"].queryset = children
        self.fields["children"].label_from_instance = lambda child: child.display_name


class CaseloadEndForm(forms.Form):
    ends_on = DateField(label="Last day", initial=timezone.localdate)


class ChildrenField(ChoicesByIdField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Child) -> str:
        return obj.display_name


class ScopeField(forms.MultipleChoiceField):
    """What a supporting caregiver sees (and may do) beyond goals and home
    strategies, each choice with what it means (SCOPE_HELP). Booking brings
    seeing the bookings: the services add it (families.models.scope_with_implied)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, scopes=tuple(Scope), **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=[(scope.value, scope.label) for scope in scopes], **kwargs)


SCOPE_LABEL = "What else they can see or do"
SCOPE_HELP_TEXT = (
    "Goals and home strategies are always included, and they can log practice and "
    "share wins. Tick only what you want them to see or do as well."
)


class InvitationForm(forms.Form):
    full_name = forms.CharField(label="Their name", max_length=150)
    email = forms.EmailField(label="Their e-mail address")
    relationship = forms.ChoiceField(choices=Relationship.choices)
    access_level = forms.ChoiceField(
        label="What they can see",
        choices=AccessLevel.choices,
        initial=AccessLevel.SUPPORTING,
        widget=forms.RadioSelect,
    )
    children = ChildrenField(
        queryset=Child.objects.none(),
        required=False,
        label="Which children they help with",
        help_text="Supporting caregivers see the goals and home strategies of these children.",
    )
    scope = ScopeField(label=SCOPE_LABEL, help_text=SCOPE_HELP_TEXT)

    def __init__(self, *args, family: Family, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only what this person may grant (families.grants); the
        # service refuses the rest whatever is posted.
        levels = grantable_levels(user, family)
        self.fields["access_level"].choices = [
            (value, label) for value, label in AccessLevel.choices if value in levels
        ]
        self.fields["children"].queryset = grantable_children(user, family)
        scopes = grantable_scope(user, family)
        if scopes:
            self.fields["scope"].choices = [(scope.value, scope.label) for scope in scopes]
        else:
            # A therapist's invitation gives goals and home strategies; the
            # family decides on anything more once they have joined.
            del self.fields["scope"]
        if user.role == Role.THERAPIST:
            self.fields[
                "access_level"
            ].help_text = "Only a parent or the practice office can give primary access."
            self.fields["children"].help_text = (
                "Children you work with. Supporting caregivers see the goals and home "
                "strategies of these children only."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("access_level") == AccessLevel.SUPPORTING and not cleaned.get("children"):
            self.add_error("children", "Choose at least one child they will help with.")
        return cleaned


class CaregiverForm(forms.Form):
    """Someone's place in the family: their relationship, primary or
    supporting, and for a supporting caregiver, for each child, whether they
    help with them and what they see beyond goals and home strategies."""

    relationship = forms.ChoiceField(choices=Relationship.choices)
    access_level = forms.ChoiceField(
        label="What they can see", choices=AccessLevel.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, caregiver: Caregiver, **kwargs):
        links = {link.child_id: link for link in caregiver.links.all()}
        kwargs.setdefault(
            "initial",
            {
                "relationship": caregiver.relationship,
                "access_level": caregiver.access_level,
                **{f"child_{pk}": True for pk in links},
                **{f"scope_{pk}": [s.value for s in link.scope] for pk, link in links.items()},
            },
        )
        super().__init__(*args, **kwargs)
        self.children = list(caregiver.family.children.order_by("first_name", "id"))
        for child in self.children:
            name = child.display_name
            self.fields[f"child_{child.pk}"] = forms.BooleanField(
                label=f"Helps with {name}: sees {name}'s goals and home strategies",
                required=False,
            )
            self.fields[f"scope_{child.pk}"] = ScopeField(
                label=f"What else they can see or do for {name}"
            )

    def child_rows(self):
        """(child, its link box, its scope boxes) for the template."""
        return [
            (child, self[f"child_{child.pk}"], self[f"scope_{child.pk}"]) for child in self.children
        ]

    def clean(self):
        cleaned = super().clean()
        links = {
            child: cleaned.get(f"scope_{child.pk}", [])
            for child in self.children
            if cleaned.get(f"child_{child.pk}")
        }
        if cleaned.get("access_level") == AccessLevel.SUPPORTING and not links:
            first = f"child_{self.children[0].pk}" if self.children else None
            self.add_error(first, "Choose at least one child they will help with.")
        cleaned["links"] = links
        return cleaned

    @property
    def changes(self) -> dict:
        """What the service takes."""
        return {
            "relationship": self.cleaned_data["relationship"],
            "access_level": self.cleaned_data["access_level"],
            "links": self.cleaned_data["links"],
        }


class PreferencesForm(forms.Form):
    receives_reminders = forms.BooleanField(label="E-mail me appointment reminders", required=False)
    reminders_by_text = forms.BooleanField(
        label="Text me appointment reminders",
        help_text="To the mobile number above. Reply C to confirm or X to cancel.",
        required=False,
    )
    reminders_by_push = forms.BooleanField(
        label="Send appointment reminders to my devices",
        help_text="To each phone or computer where you turned on notifications from us.",
        required=False,
    )
    summary_frequency = forms.ChoiceField(
        label="Progress summary e-mails", choices=SummaryFrequency.choices
    )
    receives_message_nudges = forms.BooleanField(
        label="E-mail me when a message has been waiting for 30 minutes", required=False
    )
    nudges_by_push = forms.BooleanField(
        label="Tell my devices when a message has been waiting for 30 minutes", required=False
    )
    offers_by_push = forms.BooleanField(
        label="Tell my devices when a place in a group comes up for us", required=False
    )
    detailed_email_wording = forms.BooleanField(
        label="Say what each appointment is and who it is for",
        help_text="Otherwise reminders, confirmations and calendar events say only "
        "“Appointment at” the practice, with the time and place, so that anyone who sees your "
        "inbox or calendar does not learn more. The full details are always in the portal.",
        required=False,
    )

    def __init__(
        self, *args, texts: bool, has_mobile: bool, push: bool, primary: bool = True, **kwargs
    ):
        """`texts`, `push`: whether the practice has set these channels up
        (a channel it has not is not offered). Offers of a place go to
        primary caregivers only."""
        super().__init__(*args, **kwargs)
        self.has_mobile = has_mobile
        if not primary and "offers_by_push" in self.fields:
            del self.fields["offers_by_push"]
        if not texts:
            del self.fields["reminders_by_text"]
        if not push:
            for name in ("reminders_by_push", "nudges_by_push", "offers_by_push"):
                self.fields.pop(name, None)

    def clean_reminders_by_text(self) -> bool:
        chosen = self.cleaned_data["reminders_by_text"]
        if chosen and not self.has_mobile:
            raise forms.ValidationError("Add your mobile number above first, then tick this.")
        return chosen


class MobileNumberForm(forms.Form):
    number = PhoneNumberField(
        label="Mobile number",
        required=False,
        help_text="For text-message reminders. Leave it empty to stop all texts from us.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"invalid": "Enter a mobile number: in the UK, one that starts 07."},
    )

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number and phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise forms.ValidationError(
                "This looks like a landline. Texts need a mobile number: in the UK, one that starts 07."
            )
        return number


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Type it again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are not the same.")
        elif first:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ConsentChangeForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentKind.choices)
    decision = forms.ChoiceField(choices=[("give", "Agree"), ("withdraw", "Withdraw")])


class EmailQuestionForm(forms.Form):
    """Today's question whether we may e-mail the family about therapy: the
    button pressed."""

    answer = forms.ChoiceField(choices=[("yes", "Yes"), ("not_now", "Not now")])
