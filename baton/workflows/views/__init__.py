"""Flow designer pages (admins only): flows per ticket type, versions, the bpmn-js designer."""

from .designer import flow_design, flow_version
from .imports import flow_draft, flow_draft_bpmn, flow_draft_delete, flow_draft_deploy, flow_import
from .pages import flow_detail, flow_list, flow_template_xml, flow_version_xml
from .versions import flow_diff, flow_migrate

__all__ = [
    "flow_design",
    "flow_detail",
    "flow_diff",
    "flow_draft",
    "flow_draft_bpmn",
    "flow_draft_delete",
    "flow_draft_deploy",
    "flow_import",
    "flow_list",
    "flow_migrate",
    "flow_template_xml",
    "flow_version",
    "flow_version_xml",
]
