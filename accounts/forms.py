from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordMixin,
    UserCreationForm,
    UsernameField,
)
from django.contrib.auth.validators import UnicodeUsernameValidator

from accounts import twofactor
from accounts.keys import KEY_FORMAT, KEY_FORMAT_MESSAGE
from accounts.models import Membership, Team, User
from accounts.roles import Role, may_grant


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That username and password do not match an account. Both are case-sensitive. "
            "After %(limit)s failed tries from one address, signing in as that user is paused "
            "for %(minutes)s minutes."
        ),
        "inactive": "This account has been disabled.",
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="For password resets and team invitations.", max_length=254)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email address already exists. Sign in, or reset its "
                "password if you have forgotten it."
            )
        return email


def _password_checked(request, user, password: str) -> bool:
    """Whether `password` is `user`'s, checked as at sign-in: through django-axes, so that
    wrong ones count towards the lockout (a stolen session cannot guess freely) and go on the
    record (panel/audit/receivers.py)."""
    found = authenticate(request, username=user.get_username(), password=password)
    return found is not None and found.pk == user.pk


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True})
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not _password_checked(self.request, self.request.user, password):
            raise forms.ValidationError("That is not your password.")
        return password


class ChangePasswordForm(PasswordChangeForm):
    """Django's form, with the current password checked as at sign-in (`_password_checked`)."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not _password_checked(self.request, self.user, old_password):
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class SignupRequestForm(SetPasswordMixin, forms.Form):
    """Sign-up without an invitation: everything is checked except whether the username or the
    email address is taken, which the email answers (accounts.actions.request_sign_up), so
    that the page tells nobody which accounts exist (issue 11 item 12)."""

    username = UsernameField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @/./+/-/_ only; at most 150 characters.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    email = SignupForm.base_fields["email"]
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        # The password validators compare with the name and address, as at Django's sign-up.
        user = User(
            username=self.cleaned_data.get("username", ""),
            email=self.cleaned_data.get("email", ""),
        )
        self.validate_password_for_user(user)


def _code_field(help_text: str, **attrs: str) -> forms.CharField:
    """A one-time code's field (at sign-in, at enrolment); `attrs` go on its input."""
    return forms.CharField(
        label="Code",
        max_length=16,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                **attrs,
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class CodeForm(forms.Form):
    code = _code_field("The 6-digit code from your authenticator app, or one of your backup codes.")


class EnrolCodeForm(forms.Form):
    # Only the app's code (backup codes come with enrolment): phones show their number pad.
    code = _code_field("The 6-digit code your authenticator app shows now.", inputmode="numeric")


class DisableTwoFactorForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = CodeForm.base_fields["code"]

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password

    def clean(self):
        cleaned = super().clean()
        if "password" in cleaned and cleaned.get("code"):
            try:
                device = twofactor.verify_code(self.user, cleaned["code"])
            except twofactor.Throttled as throttled:
                self.add_error("code", str(throttled))
            else:
                if device is None:
                    self.add_error("code", "That code is not valid. Enter the current code.")
        return cleaned


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]


class TeamSettingsForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "require_2fa"]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_require_2fa(self):
        required = self.cleaned_data["require_2fa"]
        if required and not self.instance.require_2fa and not twofactor.has_two_factor(self.user):
            raise forms.ValidationError(
                "Turn on two-factor authentication for yourself first, then require it of the team."
            )
        return required


class DeleteTeamForm(forms.Form):
    confirm_name = forms.CharField(label="Type the team's name to confirm", max_length=80)


class _RoleField(forms.ChoiceField):
    """Accepts every role, so that asking for one above your own gets a clear refusal (from
    the form's clean_role) instead of "select a valid choice"; offers only those you may give."""

    def __init__(self, actor_role: str, **kwargs):
        super().__init__(choices=Role.choices, **kwargs)
        self.widget.choices = [(v, label) for v, label in Role.choices if may_grant(actor_role, v)]


def _check_grantable(actor: Membership, role: str) -> str:
    if not may_grant(actor.role, role):
        raise forms.ValidationError(
            f"You are {actor.get_role_display().lower()} here and cannot give the role "
            f"{Role(role).label.lower()}: it can do more than yours."
        )
    return role


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)

    def __init__(self, *args, actor: Membership, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["role"] = _RoleField(actor.role, initial=Role.VIEWER)

    def clean_role(self):
        return _check_grantable(self.actor, self.cleaned_data["role"])


class RoleForm(forms.Form):
    def __init__(self, *args, actor: Membership, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["role"] = _RoleField(actor.role)

    def clean_role(self):
        return _check_grantable(self.actor, self.cleaned_data["role"])


class TransferForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        label="New owner",
        empty_label=None,
        help_text="They become an owner; you become an admin.",
    )

    def __init__(self, *args, owner: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = owner.team.memberships.exclude(pk=owner.pk).select_related(
            "user"
        )
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.user.username} ({m.get_role_display()})"
        )


class _KeyField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=64,
            strip=True,
            # Never echoed back into the page, even when the form has errors.
            widget=forms.PasswordInput(
                render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
            ),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if value and not KEY_FORMAT.fullmatch(value):
            raise forms.ValidationError(KEY_FORMAT_MESSAGE)
        return value


API_VERSION_CHOICES = [
    ("v2", "v2 (Vultr today)"),
    ("v1", "v1 (switched off at Vultr in 2023; for older compatible APIs)"),
]


class _ApiVersionField(forms.ChoiceField):
    """Which of Vultr's APIs the key is for. Left out of a request, it means v2 (the default);
    the check tries the other version too if this one refuses the key."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "API version")
        super().__init__(choices=API_VERSION_CHOICES, required=False, initial="v2", **kwargs)

    def clean(self, value):
        return super().clean(value) or "v2"


class ApiKeyForm(forms.Form):
    label = forms.CharField(
        max_length=64, help_text="A name your team will recognise, such as “Production”."
    )
    api_version = _ApiVersionField(
        help_text="The key is checked with this version first, then with the other one; it is "
        "saved with the version that accepts it.",
    )
    api_url = forms.URLField(
        label="API address",
        max_length=200,
        assume_scheme="https",
        help_text="Where this key belongs: https://api.vultr.com for Vultr itself.",
    )
    key = _KeyField(
        label="API key",
        help_text="From Account → API in the Vultr control panel. After saving, only its last "
        "4 characters are ever shown.",
    )

    def __init__(self, *args, team: Team, **kwargs):
        self.team = team
        super().__init__(*args, **kwargs)
        self.fields["api_url"].initial = settings.VULTR_API_URL

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if self.team.api_keys.filter(label=label).exists():
            raise forms.ValidationError(
                f"{self.team.name} already has a key labelled “{label}”. Choose another label."
            )
        return label

    def clean_api_url(self):
        url = self.cleaned_data["api_url"].rstrip("/")
        if url not in settings.VULTR_API_URLS:
            allowed = ", ".join(settings.VULTR_API_URLS)
            raise forms.ValidationError(
                f"The panel only talks to these Vultr API addresses: {allowed}. An administrator "
                "can allow another one with the VULTR_API_URLS setting."
            )
        return url


class ReplaceKeyForm(forms.Form):
    key = _KeyField(
        label="New API key",
        help_text="It is checked with Vultr first; the old key stays until the new one works.",
    )
    api_version = _ApiVersionField(
        help_text="Checked with this version first, then the other; the key keeps the version "
        "that accepts it.",
    )

    def __init__(self, *args, api_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_version"].initial = api_key.api_version
        self.default_version = api_key.api_version

    def clean_api_version(self):
        # Left out of the request: the key's current version, not the new-key default.
        if not self.data.get("api_version"):
            return self.default_version
        return self.cleaned_data["api_version"]
