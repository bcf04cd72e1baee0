"""Stage documents (阶段文档): files given to the customer during a deal, each tagged with the stage it belongs to
(proposal at 方案/报价, contract draft at 谈判/审核…). Size limit shared with follow-up attachments
(GUANXI_ATTACHMENT_MAX_BYTES, checked by the customers service); types limited to office documents, PDF, images
and archives."""

from __future__ import annotations

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record
from guanxi.customers import services as customer_services
from guanxi.org.models import User
from guanxi.org.policies import get_scoped_or_404

from ..models import Opportunity, OpportunityDocument, Stage

DOCUMENT_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".csv",
        ".ppt",
        ".pptx",
        ".wps",
        ".et",
        ".dps",
        ".odt",
        ".ods",
        ".odp",
        ".txt",
        ".md",
        ".rtf",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".zip",
        ".rar",
        ".7z",
    }
)


def _fail(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def _check_file(file: UploadedFile | None) -> UploadedFile:
    if file is None or not file.name:
        raise _fail(_("Choose a file."))
    if not file.size:
        raise _fail(_("The file is empty."))
    if PurePath(file.name).suffix.lower() not in DOCUMENT_EXTENSIONS:
        raise _fail(
            _("This type of file is not accepted. Use PDF, Office/WPS documents, images, text or ZIP/RAR/7z archives.")
        )
    try:
        customer_services.attachments_check([file])  # the size limit of follow-up attachments
    except ValidationFailed as exc:
        raise _fail(exc.message)
    return file


def opportunity_document_add(
    *, actor: User, opportunity: Opportunity, file: UploadedFile | None, stage: Stage | None = None, name: str = ""
) -> OpportunityDocument:
    """Attach a document to a deal the actor may edit, tagged with a stage of its pipeline (default: the current
    stage)."""
    with transaction.atomic():
        opp = get_scoped_or_404(actor, Opportunity.objects.select_related("stage"), opportunity.pk, "edit")
        upload = _check_file(file)
        if stage is not None and stage.pipeline_id != opp.pipeline_id:
            msg = _("Choose a stage of this opportunity's pipeline.")
            raise ValidationFailed(msg, fields={"stage": [msg]})
        label = " ".join((name or upload.name or "").split())[:200] or "file"
        doc = OpportunityDocument(
            opportunity=opp, stage=stage or opp.stage, name=label, size=upload.size or 0, uploaded_by=actor
        )
        doc.file.save(PurePath(upload.name or "file").name, upload, save=False)
        written = False
        try:
            doc.full_clean(exclude=["file"])
            doc.save()
            audit_record(
                actor=actor,
                action=AuditLog.Action.OTHER,
                obj=opp,
                changes={"document": [None, label], "stage": [None, str(doc.stage)]},
                message=Message(gettext_noop("Document added")),
            )
            written = True
        finally:
            if not written:  # the file is on storage already: whatever stopped the row, remove it again
                doc.file.delete(save=False)
    return doc


def opportunity_document_delete(*, actor: User, document: OpportunityDocument) -> None:
    """Remove a document: only its uploader or the deal's owner, and only while they can still see the deal."""
    with transaction.atomic():
        doc = OpportunityDocument.objects.select_for_update(of=("self",)).select_related("stage").get(pk=document.pk)
        opp = get_scoped_or_404(actor, Opportunity.objects.all(), doc.opportunity_id, "view")
        if actor.pk not in (doc.uploaded_by_id, opp.owner_id):
            raise PermissionDeniedError(_("Only the uploader or the opportunity's owner may delete this document."))
        audit_record(
            actor=actor,
            action=AuditLog.Action.OTHER,
            obj=opp,
            changes={"document": [doc.name, None], "stage": [str(doc.stage or ""), None]},
            message=Message(gettext_noop("Document deleted")),
        )
        storage, path = doc.file.storage, doc.file.name
        doc.delete()
        transaction.on_commit(lambda: storage.delete(path) if path else None)
