"""BPMN files from other modelers: import (hostile input refused), analysis, export.

* :mod:`.reading` checks an upload (size, UTF-8, safe XML, BPMN structure);
* :mod:`.analysis` lists what must change before it runs (JUEL/FEEL → CEL, owners, …);
* :mod:`.preserve` keeps vendor data through Baton's edits, and checks round trips;
* :mod:`.services` / :mod:`.queries` store and read drafts.
"""
