"""Login, logout and password change.

Django's auth views do the work; the password change is routed through
`accounts.actions.change_password` so it is written to the audit trail like every other change.
Repeated failed logins are locked out by django-axes, which renders `accounts/locked_out.html`.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .actions import change_password
from .forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET), so a link or an image cannot log anyone out."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        user = self.request.user
        change_password(user, form.cleaned_data["new_password1"], by=user)
        # Keep this session; every other session of the user ends with the old hash.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())
