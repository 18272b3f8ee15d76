"""What the flow designer offers and says: pickers, templates, problems in the page's language."""

from .catalog import catalog
from .problems import by_element, localize, shown
from .starters import FlowTemplate, flow_template, flow_templates

__all__ = ["FlowTemplate", "by_element", "catalog", "flow_template", "flow_templates", "localize", "shown"]
