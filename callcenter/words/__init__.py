"""Values into words, one home for every surface (pages, desk, wallboard, CLI, exports): gettext
catalogues (``locale/<lang>/LC_MESSAGES/messages.po``, read with Babel) for every label and enum,
Babel's formats for times in the hotline's zone, durations and numbers. Chinese first (zh_CN),
English second."""
