"""Flow designer pages (admins only): flows per ticket type, versions, the bpmn-js designer."""

from .designer import flow_design, flow_version
from .pages import flow_detail, flow_list, flow_template_xml, flow_version_xml
from .versions import flow_diff, flow_migrate

__all__ = [
    "flow_design",
    "flow_detail",
    "flow_diff",
    "flow_list",
    "flow_migrate",
    "flow_template_xml",
    "flow_version",
    "flow_version_xml",
]
