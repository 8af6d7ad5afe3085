-- Athena table over the CSV reports that fleetpatch writes to an S3 report
-- destination: s3://BUCKET/PREFIX/cycle=<cycle>/group=<group>/csv/report[-retry-<n>].csv
-- (one row per instance x package; see docs/reports.md). Partition
-- projection: no crawler and no MSCK REPAIR; new cycles and groups are
-- queryable as soon as they are written. cycle is injected: every query names
-- its cycle(s) (WHERE cycle = '2026-W48' or cycle IN (...)). Replace BUCKET and PREFIX
-- (default prefix: reports) and list your groups in projection.group.values.
CREATE EXTERNAL TABLE IF NOT EXISTS fleetpatch_report_rows (
  report_group   string,
  report_cycle   string,
  retry          int,
  instance_id    string,
  name           string,
  cloud          string,
  account        string,
  region         string,
  os             string,
  os_version     string,
  outcome        string,
  reason         string,
  wave           string,
  reboot_needed  string,
  reboot_done    string,
  patch_id       string,
  package        string,
  kb             string,
  from_version   string,
  to_version     string,
  classification string,
  severity       string,
  cves           string,
  state          string,
  error          string,
  reboot_deferred   string,
  live_patched_cves string,
  release_from      string,
  release_to        string
)
PARTITIONED BY (cycle string, `group` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES ('separatorChar' = ',', 'quoteChar' = '"', 'escapeChar' = '\\')
STORED AS TEXTFILE
LOCATION 's3://BUCKET/PREFIX/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.cycle.type' = 'injected',
  'projection.group.type' = 'enum',
  'projection.group.values' = 'jump-log,nonprod,prod-auto,prod-sensitive',
  'storage.location.template' = 's3://BUCKET/PREFIX/cycle=${cycle}/group=${group}/csv/'
);

-- Which packages went from which version to which, on which server, in a cycle:
--   SELECT instance_id, name, package, from_version, to_version, state
--   FROM fleetpatch_report_rows
--   WHERE cycle = '2026-W48' AND "group" = 'prod-auto' AND state IN ('Installed', 'InstalledPendingReboot');
-- Latest outcome per instance once RetryFailed runs are in (highest retry wins):
--   SELECT * FROM (SELECT r.*, rank() OVER (PARTITION BY cycle, "group", instance_id ORDER BY retry DESC) AS k
--                  FROM fleetpatch_report_rows r WHERE cycle = '2026-W48') WHERE k = 1;
