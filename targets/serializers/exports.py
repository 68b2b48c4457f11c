"""Serializers of the export API (/api/v1/exports/): the request and the export as it stands."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..exports import KIND_CHOICES, export_label
from ..models import Export
from .inputs import StrictSerializer, _check_text


class ExportCreateSerializer(StrictSerializer):
    """Which export, about which period and unit (codes)."""

    kind = serializers.ChoiceField(choices=KIND_CHOICES, help_text=gettext_lazy("what to build"))
    period = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=20, validators=[_check_text],
        help_text=gettext_lazy("period code YYYYQn; needed for briefings; none: every period"),
    )
    unit = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=20, validators=[_check_text],
        help_text=gettext_lazy("unit code, for progress tables; none: the city and every unit"),
    )


class ExportSerializer(serializers.Serializer):
    """An export: how far its job has got and, once done, where to fetch the file and its hash."""

    id = serializers.UUIDField()
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Export.Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    period = serializers.CharField(source="period_code", allow_null=True)
    unit = serializers.CharField(source="unit_code", allow_null=True)
    download_url = serializers.SerializerMethodField()
    sha256 = serializers.SerializerMethodField()
    size = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)

    def get_kind_label(self, export: Export) -> str:
        return export_label(export.kind)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, export: Export) -> str | None:
        return self.context.get("download_url")

    @extend_schema_field({"type": "string", "nullable": True, "pattern": "^[0-9a-f]{64}$"})
    def get_sha256(self, export: Export) -> str | None:
        return export.sha256 or None
