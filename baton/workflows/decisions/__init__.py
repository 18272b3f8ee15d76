"""Decision tables (DMN) as first-class, versioned objects.

An admin edits a table in the browser (``views``), deploys it as a new version
(``services.deploy_decision``); tickets are triaged by the newest version of the triage
decision for their type when they are opened (``triage``), and flows reference decisions
by key from a ``businessRuleTask`` (``queries.decision_xmls_for``).
"""
