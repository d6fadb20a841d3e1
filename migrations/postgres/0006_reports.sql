-- Credit reports and finance's saved report templates.
--
-- A template's spec is the JSON of app::domain::report::TemplateDraft; the server parses
-- it whole (ReportTemplate::try_from) before storing it and again when reading it, so a
-- stored spec the code no longer accepts is reported, never run half-understood.
CREATE TABLE report_templates (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

