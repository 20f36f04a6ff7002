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
