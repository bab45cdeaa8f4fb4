from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing accounts locked after repeated failed logins."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not user.is_locked()
