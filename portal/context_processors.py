from django.conf import settings


def practice(request) -> dict:
    return {
        "PRACTICE_NAME": settings.PRACTICE_NAME,
        "PRACTICE_PHONE": settings.PRACTICE_PHONE,
        "PRACTICE_EMAIL": settings.PRACTICE_EMAIL,
    }
