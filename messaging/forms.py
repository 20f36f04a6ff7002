from django import forms

from messaging.models import Message


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label="Add a photo or short video (optional)",
        required=False,
        help_text="Photos up to 10 MB, videos up to 100 MB. Location details are removed from photos.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"}
        ),
    )

    def __init__(self, *args, media_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not media_allowed:
            del self.fields["attachment"]


class MessageEditForm(forms.ModelForm):
    class Meta:
        model = Message
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


class PracticePhotoForm(forms.Form):
    attachment = forms.FileField(
        label="Photo or short video",
        help_text="Photos up to 10 MB, videos up to 100 MB. Location details are removed from photos.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"}
        ),
    )


class StrategyMediaForm(forms.Form):
    """A photo or a video up to a minute, taken with the phone's camera in the
    session (`capture`) or, on a computer, chosen from the files."""

    attachment = forms.FileField(
        label="Photo or video",
        help_text="Photos up to 10 MB; videos up to a minute. Location and other "
        "details are removed from the file.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,video/*", "capture": "environment"}
        ),
    )
    caption = forms.CharField(
        label="What it shows (optional)",
        max_length=200,
        required=False,
        help_text="A short step, shown under the photo and on the fridge sheet.",
    )
