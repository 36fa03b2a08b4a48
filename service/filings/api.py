"""The same verbs for every chain: /api/v1/<chain path>[/<id>[/attachments/<slot>|/submit|/progress]]."""

from __future__ import annotations

from flask import jsonify, request

from ..attachments.operations import file_response
from ..attachments.storage import MIME_TYPES
from ..errors import Invalid, NotFound
from ..web.api import actor, body, bp, choice_arg, page_json, paging
from ..web.docs import BINARY, FORM, PAGING, RECORD, STRING, array, choice, documented, obj, page_of
from ..web.xlsx import XLSX_MIME, xlsx_response
from . import operations
from .chains import Chain, chain_at
from .exports import list_filename, list_sheet
from .models import TABS
from .queries import STAFF_SCOPES, list_records
from .schemas import choices_out, record_out


def _kind(kind_path: str) -> Chain:
    kind = chain_at(kind_path)
    if kind is None:
        raise NotFound("接口不存在")
    return kind


#: the 选择 lists of pickers: {field: [{value, label}]}
CHOICES = {"type": "object", "additionalProperties": array(obj(("value", "label"), value={}, label=STRING))}
ATTACHMENT = obj(("id", "slot", "filename", "size", "sha256"), id={"type": "integer"}, slot=STRING,
                 filename=STRING, size={"type": "integer"}, sha256=STRING)
PROGRESS = obj(("bpmn_xml", "completed", "active"), bpmn_xml=STRING, completed=array(STRING), active=array(STRING),
               process_key=STRING, process_version={"type": "integer"})


@bp.post("/<kind_path>")
@documented("{label}：添加（草稿）", body=FORM, response=RECORD, status=201, errors=(403,))
def create_record(kind_path: str):
    kind = _kind(kind_path)
    return jsonify(record_out(kind, operations.create_draft(kind, actor(), body()), detail=True)), 201


@bp.get("/<kind_path>")
@documented("{label}列表（全部/待发起/流程中/通过/终止）", response=page_of(RECORD), query={
    "status": choice(*TABS), "scope": choice(*STAFF_SCOPES), "q": STRING, **PAGING}, errors=(422,))
def list_kind(kind_path: str):
    kind = _kind(kind_path)
    status = choice_arg("status", TABS, "状态应为 draft、in_review、approved 或 terminated")
    scope = choice_arg("scope", STAFF_SCOPES, "scope 应为 todo（待审批）或 mine（我发起的），不填为显示全部")
    page, per_page = paging()
    result = list_records(kind, actor(), status, page, per_page, request.args.get("q", "").strip(), scope)
    return page_json([record_out(kind, r) for r in result.items], result.total, page, per_page)


@bp.get("/<kind_path>/export")
@documented("{label}：导出（.xlsx，筛选同列表，全部页）", query={"status": choice(*TABS),
            "scope": choice(*STAFF_SCOPES), "q": STRING}, response=BINARY, produces=XLSX_MIME, errors=(422,))
def export_kind(kind_path: str):
    kind = _kind(kind_path)
    status = choice_arg("status", TABS, "状态应为 draft、in_review、approved 或 terminated")
    scope = choice_arg("scope", STAFF_SCOPES, "scope 应为 todo（待审批）或 mine（我发起的），不填为显示全部")
    return xlsx_response(list_filename(kind, status, scope),
                         [list_sheet(kind, actor(), status, request.args.get("q", "").strip(), scope)])


@bp.get("/<kind_path>/choices")
@documented("{label}：填报时可选的记录（选择器）", response=CHOICES, errors=(403,))
def choices(kind_path: str):
    """What the caller may pick when filing (the pages' pickers): {field: [{value, label}]}."""
    kind = _kind(kind_path)
    operations.require_filer(kind, actor())
    return jsonify(choices_out(operations.choices_of(kind, actor())))


@bp.get("/<kind_path>/<id:record_id>")
@documented("{label}：查看", response=RECORD)
def get_record(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    return jsonify(record_out(kind, operations.get_record(kind, actor(), record_id), detail=True))


@bp.patch("/<kind_path>/<id:record_id>")
@documented("{label}：修改（待发起或退回修改时）", body=FORM, response=RECORD, errors=(409,))
def update_record(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    return jsonify(record_out(kind, operations.update_draft(kind, actor(), record_id, body()), detail=True))


@bp.delete("/<kind_path>/<id:record_id>")
@documented("{label}：删除草稿", status=204, errors=(409,))
def delete_record(kind_path: str, record_id: int):
    operations.delete_draft(_kind(kind_path), actor(), record_id)
    return "", 204


@bp.put("/<kind_path>/<id:record_id>/attachments/<slot>")
@documented("{label}：上传附件（PDF、JPEG 或 PNG，不超过 20 MB）", body=obj(("file",), file={"type": "string",
            "format": "binary"}), consumes="multipart/form-data", response=ATTACHMENT, status=201,
            errors=(409, 413, 415, 422))
def put_attachment(kind_path: str, record_id: int, slot: str):
    upload = request.files.get("file")
    if upload is None:
        raise Invalid.field("file", "请以 multipart/form-data 上传文件，字段名为 file")
    attachment = operations.attach_file(_kind(kind_path), actor(), record_id, slot, upload.filename or "",
                                        upload.stream)
    return jsonify(attachment.as_dict()), 201


@bp.post("/<kind_path>/<id:record_id>/submit")
@documented("{label}：发起审批（退回修改后重新提交）", body=obj(opinion=STRING), body_required=False,
            response=obj(("id", "status"), id={"type": "integer"}, status=STRING), errors=(409,))
def submit_record(kind_path: str, record_id: int):
    data = request.get_json(silent=True) or {}
    record = operations.submit(_kind(kind_path), actor(), record_id,
                               data.get("opinion") if isinstance(data, dict) else None)
    return jsonify({"id": record.id, "status": record.status})


@bp.get("/<kind_path>/<id:record_id>/progress")
@documented("{label}：流程进展（流程图与已完成、当前环节）", response=PROGRESS)
def record_progress(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    return jsonify(operations.progress_of(kind, operations.get_record(kind, actor(), record_id)))


@bp.get("/attachments/<id:attachment_id>")
@documented("附件文件（可查看该记录者）", response=BINARY, produces=MIME_TYPES)
def attachment_file(attachment_id: int):
    return file_response(operations.visible_attachment(actor(), attachment_id))
