from django.conf import settings


def portal(request):
    """Give every template the language list (for the switcher on every page)."""
    return {"PORTAL_LANGUAGES": settings.LANGUAGES}
