"""Baton's flow engine: SpiffWorkflow behind a small API of our own.

This package is the only place that imports SpiffWorkflow. The Django side deploys a
flow with :func:`compile_flow` (storing :meth:`CompiledFlow.serialize`), starts and
drives instances with :func:`start_instance` / :class:`FlowInstance`, and stores
:meth:`FlowInstance.dump` plus :meth:`FlowInstance.next_timer_due` per instance.
Every expression is CEL (:mod:`baton.core.cel`); scripts are refused; time comes from
:func:`baton.core.clock.now`.
"""

from .errors import EngineError, FlowValidationError, Problem
from .flow import CompiledFlow, StepSpec, compile_flow, load_flow
from .migration import ElementChange, FlowDiff, diff_flows, migrate_instance
from .runtime import ActiveTask, FlowInstance, load_instance, start_instance
from .script_engine import register_service
from .timers import install_clock

install_clock()

__all__ = [
    "ActiveTask",
    "CompiledFlow",
    "ElementChange",
    "EngineError",
    "FlowDiff",
    "FlowInstance",
    "FlowValidationError",
    "Problem",
    "StepSpec",
    "compile_flow",
    "diff_flows",
    "load_flow",
    "load_instance",
    "migrate_instance",
    "register_service",
    "start_instance",
]
