"""Stage documents: upload tagged with a stage, listed per stage on the record page, downloaded within the data
scope, deleted only by the uploader or the deal's owner; limits on size and type; every change audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AccessLog, AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import OpportunityDocument, Stage
from guanxi.sales.opportunities import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GUANXI_ATTACHMENT_MAX_BYTES = 1024


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def deal(org):
    rep = org["east_rep"]
    return services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "智慧园区项目"})


def proposal_stage(opp) -> Stage:
    return opp.pipeline.stages.get(name="Proposal / quote")


def test_upload_tags_the_stage_lists_it_and_downloads(org, deal):
    # given the owner's deal in its first stage
    client = client_for(org["east_rep"])
    stage = proposal_stage(deal)
    # when the rep uploads a proposal tagged 方案/报价 and a note without a stage choice
    url = f"/sales/opportunities/{deal.pk}/documents/"
    assert client.post(url, {"file": SimpleUploadedFile("方案书.pdf", b"%PDF-1"), "stage": stage.pk}).status_code == 302
    assert client.post(url, {"file": SimpleUploadedFile("会议纪要.txt", b"notes")}).status_code == 302
    # then each is stored with its stage (the current one by default), and the upload is audited
    docs = {d.name: d for d in OpportunityDocument.objects.filter(opportunity=deal)}
    assert docs["方案书.pdf"].stage == stage and docs["会议纪要.txt"].stage == deal.stage
    assert docs["方案书.pdf"].uploaded_by == org["east_rep"] and docs["方案书.pdf"].size == 6
    assert AuditLog.objects.filter(object_id=deal.pk, message="Document added").count() == 2
    # and the record page lists them under their stages; the download returns the file
    html = client.get(f"/sales/opportunities/{deal.pk}/").content.decode()
    assert (
        html.index("Initial contact", html.index("Stage documents"))
        < html.index("会议纪要.txt")
        < html.index("方案书.pdf")
    )
    response = client.get(f"/files/opportunity-document/{docs['方案书.pdf'].pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1"
    assert "filename*=UTF-8''%E6%96%B9%E6%A1%88%E4%B9%A6.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ", "This type of file is not accepted"),
        ("big.pdf", b"x" * 2048, "larger than"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(org, deal, name, content, message):
    # given the audit count, when a bad file is uploaded, then the error names the file field and nothing is kept
    audits = AuditLog.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_document_add(
            actor=org["east_rep"], opportunity=deal, file=SimpleUploadedFile(name, content)
        )
    assert message in exc.value.fields["file"][0]
    assert not OpportunityDocument.objects.exists()
    assert AuditLog.objects.count() == audits


def test_stage_of_another_pipeline_is_refused(org, deal):
    from guanxi.sales.models import Pipeline

    other = Pipeline.objects.create(name="渠道销售")
    stage = Stage.objects.create(pipeline=other, name="报备", sort_order=1)
    with pytest.raises(ValidationFailed) as exc:
        services.opportunity_document_add(
            actor=org["east_rep"], opportunity=deal, file=SimpleUploadedFile("a.pdf", b"1"), stage=stage
        )
    assert "stage" in exc.value.fields
    assert not OpportunityDocument.objects.exists()


def test_only_uploader_or_owner_deletes(org, deal):
    # given a document the manager uploaded on the rep's deal
    doc = services.opportunity_document_add(
        actor=org["east_manager"], opportunity=deal, file=SimpleUploadedFile("报价单.xlsx", b"1")
    )
    path = doc.file.path
    # when a manager's colleague who can see the deal but neither uploaded it nor owns it tries, it is refused
    services.opportunity_update(actor=org["east_rep"], opportunity=deal, data={"collaborators": [org["east_rep2"]]})
    audits = AuditLog.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.opportunity_document_delete(actor=org["east_rep2"], document=doc)
    assert OpportunityDocument.objects.filter(pk=doc.pk).exists() and AuditLog.objects.count() == audits
    # and someone outside the deal's scope gets a 404 from the page, with nothing changed
    response = client_for(org["west_rep"]).post(f"/sales/opportunities/{deal.pk}/documents/{doc.pk}/delete/")
    assert response.status_code == 404 and OpportunityDocument.objects.filter(pk=doc.pk).exists()
    # when the deal's owner deletes it, then the row, the file and an audit row record it
    response = client_for(org["east_rep"]).post(f"/sales/opportunities/{deal.pk}/documents/{doc.pk}/delete/")
    assert response.status_code == 302
    assert not OpportunityDocument.objects.filter(pk=doc.pk).exists()
    assert AuditLog.objects.filter(object_id=deal.pk, message="Document deleted").count() == 1
    import os

    assert not os.path.exists(path)


def test_download_outside_scope_is_404(org, deal):
    doc = services.opportunity_document_add(
        actor=org["east_rep"], opportunity=deal, file=SimpleUploadedFile("a.pdf", b"1")
    )
    # when another department's rep asks for the file, then 404 (the owner gets it)
    assert client_for(org["west_rep"]).get(f"/files/opportunity-document/{doc.pk}/").status_code == 404
    assert client_for(org["east_rep"]).get(f"/files/opportunity-document/{doc.pk}/").status_code == 200


def test_download_without_opportunity_permission_is_403(org, deal):
    from guanxi.org.tests.factories import UserFactory

    doc = services.opportunity_document_add(
        actor=org["east_rep"], opportunity=deal, file=SimpleUploadedFile("a.pdf", b"1")
    )
    # given finance, who reads customers but not opportunities
    finance = UserFactory(username="finance", department=org.hq, roles=["finance"])
    # when it asks for the deal's document, then 403, and no one is recorded as having read it
    assert client_for(finance).get(f"/files/opportunity-document/{doc.pk}/").status_code == 403
    assert not AccessLog.objects.exists()


def test_uploading_needs_edit_on_the_deal(org, deal):
    # given a read-only user (the executive sees every deal but edits none)
    audits = AuditLog.objects.count()
    response = client_for(org["executive"]).post(
        f"/sales/opportunities/{deal.pk}/documents/", {"file": SimpleUploadedFile("a.pdf", b"1")}
    )
    # then the upload is refused and nothing is written
    assert response.status_code in (403, 404)
    assert not OpportunityDocument.objects.exists() and AuditLog.objects.count() == audits
