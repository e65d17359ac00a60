"""URLs of the accounts app (namespace "accounts").

Team pages live under ``t/<slug:team>/``; the decorator `accounts.permissions.team_view` reads
the slug from the argument named ``team``. Other apps put their team pages under the same
prefix with the same argument name.
"""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path, reverse_lazy

from accounts.views import account, auth, keys, members, teams

app_name = "accounts"


def _password_page(route: str, view, name: str, *, then: str = "", **options) -> URLPattern:
    """One of the password pages under accounts/password/: its template is named after it
    (accounts/<name>.html), and a form page goes on to the page named `then`."""
    if then:
        options["success_url"] = reverse_lazy(f"accounts:{then}")
    return path(
        f"accounts/password/{route}",
        view.as_view(template_name=f"accounts/{name}.html", **options),
        name=name,
    )


_password_views = [
    _password_page("", account.PasswordChange, "password_change", then="password_change_done"),
    _password_page("changed/", auth_views.PasswordChangeDoneView, "password_change_done"),
    _password_page(
        "reset/",
        auth_views.PasswordResetView,
        "password_reset",
        then="password_reset_done",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
    ),
    _password_page("reset/sent/", auth_views.PasswordResetDoneView, "password_reset_done"),
    _password_page(
        "reset/<uidb64>/<token>/",
        account.PasswordResetConfirm,
        "password_reset_confirm",
        then="password_reset_complete",
    ),
    _password_page("reset/done/", auth_views.PasswordResetCompleteView, "password_reset_complete"),
]


urlpatterns = [
    path("", auth.home, name="home"),
    path("accounts/login/", auth.login, name="login"),
    path("accounts/login/code/", auth.login_code, name="login_code"),
    path("accounts/verify/", auth.verify_session, name="verify_session"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", auth.signup, name="signup"),
    path("accounts/signup/<str:token>/", auth.signup_finish, name="signup_finish"),
    *_password_views,
    path("accounts/", account.account, name="account"),
    path("accounts/confirm-password/", account.confirm_password, name="confirm_password"),
    path("accounts/2fa/setup/", account.two_factor_enrol, name="2fa_enrol"),
    path("accounts/2fa/backup-codes/", account.two_factor_backup_codes, name="2fa_backup_codes"),
    path("accounts/2fa/disable/", account.two_factor_disable, name="2fa_disable"),
    path("accounts/logout-everywhere/", account.logout_everywhere, name="logout_everywhere"),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("t/<slug:team>/", teams.team_home, name="team_home"),
    path("t/<slug:team>/settings/", teams.team_settings, name="team_settings"),
    path("t/<slug:team>/leave/", teams.team_leave, name="team_leave"),
    path("t/<slug:team>/transfer/", teams.team_transfer, name="team_transfer"),
    path("t/<slug:team>/delete/", teams.team_delete, name="team_delete"),
    path("t/<slug:team>/members/", members.members, name="members"),
    path("t/<slug:team>/members/invite/", members.member_invite, name="member_invite"),
    path("t/<slug:team>/members/<int:member_id>/role/", members.member_role, name="member_role"),
    path(
        "t/<slug:team>/members/<int:member_id>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "t/<slug:team>/members/<int:member_id>/unlock/",
        members.member_unlock,
        name="member_unlock",
    ),
    path(
        "t/<slug:team>/invitations/<int:invitation_id>/revoke/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("t/<slug:team>/keys/add/", keys.key_add, name="key_add"),
    path("t/<slug:team>/keys/<int:key_id>/replace/", keys.key_replace, name="key_replace"),
    path("t/<slug:team>/keys/<int:key_id>/remove/", keys.key_remove, name="key_remove"),
    path("t/<slug:team>/keys/<int:key_id>/check/", keys.key_check, name="key_check"),
]
