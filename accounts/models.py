from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    CAREGIVER = "caregiver", "Parent or carer"
    THERAPIST = "therapist", "Therapist"
    ADMIN = "admin", "Practice admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. E-mail is the login; there is no username.

    `role` says which side of the practice they are on. Whether a caregiver is a
    primary or supporting one is a property of their membership of a family
    (families.Caregiver), not of the account: a nanny can be primary nowhere and
    supporting in two families.
    """

    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CAREGIVER)
    phone = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    # Access to the Django admin (operations), not "member of staff".
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        indexes = [
            # The practice's therapists, by name (the diary, the filters): a
            # few dozen rows among thousands of families' log-ins.
            models.Index(
                fields=["full_name", "id"],
                condition=Q(role=Role.THERAPIST, is_active=True),
                name="user_active_therapist_idx",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_caregiver(self) -> bool:
        return self.role == Role.CAREGIVER

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_practice_staff(self) -> bool:
        return self.role in (Role.THERAPIST, Role.ADMIN)


class AuditEventQuerySet(models.QuerySet):
    """Bulk changes are refused too; PostgreSQL refuses them a second time with
    a trigger (migration 0002), in case anything goes around the ORM."""

    def update(self, **kwargs):
        raise ValueError("Audit events cannot be changed.")

    def delete(self):
        raise ValueError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of who saw or changed what.

    Records are named generically (`record_type`, `record_id`) so that this app
    needs to know nothing of the apps above it.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        SIGN = "sign", "Signed"
        ADDENDUM = "addendum", "Addendum added"
        EXPORT = "export", "Exported"
        DELETE = "delete", "Deleted"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed log-in"
        INVITE = "invite", "Invitation"
        PERMISSION = "permission", "Permission change"
        MFA = "mfa", "Two-step log-in change"
        CONSENT = "consent", "Consent given or withdrawn"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    record_type = models.CharField(max_length=60, blank=True)
    record_id = models.CharField(max_length=40, blank=True)
    # The child the record belongs to, where there is one, so that "who has
    # accessed this child's record" is one indexed query.
    child_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id"], name="audit_record_idx"),
            models.Index(fields=["child_id", "-at"], name="audit_child_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.record_type}"

    def save(self, *args, **kwargs):
        # Append-only: an existing event is never rewritten through the ORM.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events cannot be deleted.")
