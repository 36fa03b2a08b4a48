"""The same verbs for every record kind: /api/v1/<kind path>[/<id>[/attachments/<slot>|/submit|/progress]]."""

from __future__ import annotations

from flask import jsonify, request

from ..api.blueprint import actor, body, bp, page_json, paging
from ..errors import Invalid, NotFound
from ..extensions import db
from . import operations
from .kinds import KINDS, RecordKind
from .models import TABS
from .queries import STAFF_SCOPES, list_records
from .schemas import record_out


def _kind(kind_path: str) -> RecordKind:
    for kind in KINDS.values():
        if kind.path == kind_path:
            return kind
    raise NotFound("接口不存在")


@bp.post("/<kind_path>")
def create_record(kind_path: str):
    kind = _kind(kind_path)
    record = operations.create_draft(kind, actor(), body())
    db.session.commit()
    return jsonify(record_out(kind, record, detail=True)), 201


@bp.get("/<kind_path>")
def list_kind(kind_path: str):
    kind = _kind(kind_path)
    status = request.args.get("status", "")
    if status not in TABS:
        raise Invalid.field("status", "状态应为 draft、in_review、approved 或 terminated")
    scope = request.args.get("scope", "")
    if scope not in STAFF_SCOPES:
        raise Invalid.field("scope", "scope 应为 todo（待审批）或 mine（我发起的），不填为显示全部")
    page, per_page = paging()
    result = list_records(kind, actor(), status, page, per_page, request.args.get("q", "").strip(), scope)
    return page_json([record_out(kind, r) for r in result.items], result.total, page, per_page)


@bp.get("/<kind_path>/<id:record_id>")
def get_record(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    return jsonify(record_out(kind, operations.get_record(kind, actor(), record_id), detail=True))


@bp.patch("/<kind_path>/<id:record_id>")
def update_record(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    record = operations.update_draft(kind, actor(), record_id, body())
    db.session.commit()
    return jsonify(record_out(kind, record, detail=True))


@bp.delete("/<kind_path>/<id:record_id>")
def delete_record(kind_path: str, record_id: int):
    operations.delete_draft(_kind(kind_path), actor(), record_id)
    db.session.commit()
    return "", 204


@bp.put("/<kind_path>/<id:record_id>/attachments/<slot>")
def put_attachment(kind_path: str, record_id: int, slot: str):
    upload = request.files.get("file")
    if upload is None:
        raise Invalid.field("file", "请以 multipart/form-data 上传文件，字段名为 file")
    attachment = operations.attach_file(_kind(kind_path), actor(), record_id, slot, upload.filename or "",
                                        upload.stream)
    db.session.commit()
    return jsonify(attachment.as_dict()), 201


@bp.post("/<kind_path>/<id:record_id>/submit")
def submit_record(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    data = request.get_json(silent=True) or {}
    record = operations.submit(kind, actor(), record_id, data.get("opinion") if isinstance(data, dict) else None)
    db.session.commit()
    return jsonify({"id": record.id, "status": record.status})


@bp.get("/<kind_path>/<id:record_id>/progress")
def record_progress(kind_path: str, record_id: int):
    kind = _kind(kind_path)
    return jsonify(operations.progress_of(kind, operations.get_record(kind, actor(), record_id)))
