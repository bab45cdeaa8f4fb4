"""The department API for forwarded cases, mounted at /api/v1/cases/.

Authenticated with a department token (portal.departments.auth); a department sees only
the cases forwarded to it and answers them:

    GET  /api/v1/cases/?stage=forwarded           the department's cases
    GET  /api/v1/cases/<tracking_no>/             one case with its evidence list
    GET  /api/v1/cases/<tracking_no>/evidence/<id>/   download one file
    POST /api/v1/cases/<tracking_no>/answer/      multipart: recommendation, comment, files
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.departments.auth import DepartmentTokenAuthentication, IsDepartment, actor_of
from portal.objections import evidence, services
from portal.objections.models import Case, Stage
from portal.objections.views.common import case_for, evidence_response


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    party = serializers.CharField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class CaseSerializer(serializers.Serializer):
    tracking_no = serializers.CharField()
    kind = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    ground = serializers.CharField()
    ground_label = serializers.CharField(source="get_ground_display")
    explanation = serializers.CharField()
    record_id = serializers.IntegerField()
    catalog_item = serializers.CharField(source="record.catalog_item.code")
    decision_no = serializers.CharField(source="record.decision_no")
    subject_name = serializers.CharField(source="subject.name")
    subject_code = serializers.CharField(source="subject.public_code")
    forwarded_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    overdue = serializers.SerializerMethodField()
    recommendation = serializers.CharField()
    decision = serializers.CharField()

    def get_overdue(self, case) -> bool:
        return case.is_overdue()


class CaseDetailSerializer(CaseSerializer):
    evidence = EvidenceSerializer(many=True)


class AnswerSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(
        choices=["correct", "remove", "uphold", "approve", "reject"]
    )
    comment = serializers.CharField(max_length=5000)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class DepartmentCaseMixin:
    authentication_classes = [DepartmentTokenAuthentication]
    permission_classes = [IsDepartment]

    def principal(self):
        """The token principal: an authenticated department officer of one department."""
        return self.request.user

    def get_case(self, tracking_no: str) -> Case:
        return case_for(self.principal(), services.normalise_tracking_no(tracking_no))


class CaseListAPI(DepartmentCaseMixin, APIView):
    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request):
        cases = (
            Case.objects.for_department(request.department)
            .select_related("record__catalog_item", "subject")
            .order_by("-forwarded_at")
        )
        stage = request.query_params.get("stage")
        if stage in Stage.values:
            cases = cases.filter(stage=stage)
        return Response(CaseSerializer(cases[:500], many=True).data)


class CaseDetailAPI(DepartmentCaseMixin, APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, tracking_no):
        return Response(CaseDetailSerializer(self.get_case(tracking_no)).data)


class CaseEvidenceAPI(DepartmentCaseMixin, APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, tracking_no, evidence_id):
        case = self.get_case(tracking_no)
        _, label = actor_of(request)
        return evidence_response(
            request, self.principal(), case.tracking_no, evidence_id, actor_label=label
        )


class CaseAnswerAPI(DepartmentCaseMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=AnswerSerializer, responses=CaseDetailSerializer)
    def post(self, request, tracking_no):
        try:
            case = self.get_case(tracking_no)
        except Http404:
            return Response({"error": "not_found"}, status=status.HTTP_404_NOT_FOUND)
        payload = AnswerSerializer(
            data={
                "recommendation": request.data.get("recommendation"),
                "comment": request.data.get("comment"),
                "files": request.FILES.getlist("files"),
            }
        )
        payload.is_valid(raise_exception=True)
        try:
            checked = evidence.check_uploads(payload.validated_data.get("files", []))
        except ValidationError as error:
            return Response(
                {"error": "bad_files", "detail": error.messages},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            services.transition(
                case,
                "answer",
                actor=self.principal(),
                comment=payload.validated_data["comment"],
                recommendation=payload.validated_data["recommendation"],
                files=checked,
            )
        except services.CaseError as error:
            return Response(
                {"error": "refused", "detail": str(error)}, status=status.HTTP_409_CONFLICT
            )
        case.refresh_from_db()
        return Response(CaseDetailSerializer(case).data)
