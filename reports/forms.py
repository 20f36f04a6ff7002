from django import forms

from reports.models import ReportShare


class DateInput(forms.DateInput):
    input_type = "date"


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())


class ShareForm(forms.ModelForm):
    class Meta:
        model = ReportShare
        fields = ["recipient_email"]


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=150, label="Title the family will see")
    file = forms.FileField(
        label="PDF file", widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )
