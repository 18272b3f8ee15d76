"""The decision editor's UI text for the JavaScript side, translated for the current request."""

from __future__ import annotations

from django.utils.translation import gettext as _


def editor_strings() -> dict[str, str]:
    return {
        "inputs": _("条件（输入）"),
        "outputs": _("结果（输出）"),
        "rule": _("规则"),
        "note": _("备注"),
        "addRow": _("＋ 添加规则"),
        "addInput": _("＋ 条件列"),
        "addOutput": _("＋ 结果列"),
        "removeRow": _("删除规则"),
        "removeColumn": _("删除此列"),
        "moveUp": _("上移"),
        "moveDown": _("下移"),
        "columnLabel": _("列名"),
        "expression": _("变量或表达式"),
        "outputName": _("结果变量名"),
        "any": _("任意"),
        "cellHint": _(
            '单元格用 CEL 书写：文本加引号，如 "vip"；比较如 < 500；多个值用 ? in ["vip", "strategic"]；'
            '- 或留空表示任意。结果单元格写值，如 "urgent"。'
        ),
        "policyHint": _(
            "FIRST：从上到下第一条满足的规则生效。UNIQUE：只应有一条满足。COLLECT：收集所有满足的规则。"
        ),
        "validate": _("检查"),
        "deploy": _("部署"),
        "valid": _("检查通过，可以部署。"),
        "deployed": _("已部署 v{number}。新工单将按此版本分级。"),
        "deployedFlow": _("已部署 v{number}。引用它的流程在下次部署时使用此版本。"),
        "problems": _("有 {count} 个问题，已在表格中标出："),
        "where": _("规则 {rule}"),
        "whereColumn": _("第 {column} 列"),
        "whereTable": _("决策表"),
        "failed": _("请求失败，请稍后重试。"),
        "needKey": _("请填写编码（小写字母、数字和下划线）。"),
        "needName": _("请填写名称。"),
        "tryIt": _("试算"),
        "tryHint": _("用已部署的最新版本试算：填入条件值，看会得到什么结果。不会修改任何数据。"),
        "tryRun": _("试算"),
        "noMatch": _("没有规则满足，不做改动。"),
        "matched": _("满足规则：{rules}"),
        "notDeployed": _("部署后才能试算。"),
        "unsaved": _("有未部署的修改"),
    }
