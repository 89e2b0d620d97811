"""Login and password-change forms, styled for the site's pages."""

from django.contrib.auth import forms as auth_forms

from sixfold.core.forms import style_fields


class LoginForm(auth_forms.AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
        self.fields["username"].widget.attrs["autocapitalize"] = "none"


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
