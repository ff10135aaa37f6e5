/**
 * The alert rules (monitoring/alerts.yml), checked by Prometheus' own promtool (resolved as the
 * other servers are: PROMTOOL_PATH, PATH, the cache, else built with Go): the rules and the example
 * configuration are valid, and the rules' unit tests (monitoring/alerts.test.yml) pass. Then what
 * promtool does not check: every alert is shown firing and shown quiet, names its runbook by a
 * heading that exists in docs/operations.md, carries a severity and words for the on-call engineer,
 * and reads only metrics the processes expose (monitoring/metrics.ts), with label values they take.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { metricOfSeries, SCRAPE_JOBS } from '../../monitoring/metrics';
import { describe as describeServer, resolvePromtool } from '../../scripts/servers';

const root = path.resolve(__dirname, '..', '..');
const RULES = 'monitoring/alerts.yml';
const RULE_TESTS = 'monitoring/alerts.test.yml';
const CONFIG = 'monitoring/prometheus.yml';
const RUNBOOK = 'docs/operations.md';
const RUNBOOK_SECTION = '## Alerts and their runbooks';
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}
interface RuleTestFile {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const alerts = (parse(read(RULES)) as RuleFile).groups.flatMap((g) => g.rules).filter((r) => r.alert);
const ruleTests = (parse(read(RULE_TESTS)) as RuleTestFile).tests;

function promtool(binary: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(binary, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw new Error(`promtool ${args.join(' ')} could not run: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function githubAnchors(markdown: string): { anchor: string; line: number }[] {
  const seen = new Map<string, number>();
  const anchors: { anchor: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, line) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) return;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.push({ anchor: count ? `${base}-${count}` : base, line });
  });
  return anchors;
}

interface Selector {
  metric: string;
  matchers: { label: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
}

/** PromQL words that are not metric names: set operators, modifiers, aggregations, literals. */
const KEYWORDS = new Set(
  [
    'and or unless by without on ignoring group_left group_right offset bool inf nan',
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio',
  ]
    .join(' ')
    .split(' '),
);

/**
 * The vector selectors of a PromQL expression: each metric name with its label matchers. Function
 * calls, keywords, label lists (`by (…)`), ranges (`[10m]`), numbers, durations and strings are
 * not selectors. Enough PromQL for rules like ours; a name it cannot place fails the test below.
 */
function selectorsOf(expr: string): Selector[] {
  const source = expr.replace(/#[^\n]*/g, '');
  const selectors: Selector[] = [];
  const token = /\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\{[^}]*\}|\d[\w.]*|[A-Za-z_:][\w:]*|./gy;
  const tokens = [...source.matchAll(token)].map((m) => m[0]).filter((t) => !/^\s+$/.test(t));
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (!/^[A-Za-z_:][\w:]*$/.test(word)) continue;
    const next = tokens[i + 1];
    if (KEYWORDS.has(word.toLowerCase())) {
      // A label list follows these: skip it whole.
      if (/^(by|without|on|ignoring|group_left|group_right)$/i.test(word) && next === '(') {
        const close = tokens.indexOf(')', i + 1);
        i = close < 0 ? tokens.length : close;
      }
      continue;
    }
    if (next === '(') continue; // a function call
    const braces = next?.startsWith('{') ? next : undefined;
    const matchers = [...(braces ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({
      label: m[1]!,
      op: m[2] as Selector['matchers'][number]['op'],
      value: m[3]!,
    }));
    selectors.push({ metric: word, matchers });
  }
  return selectors;
}

/** The values a matcher names, when it names them (`a` or `a|b|c`); undefined for a real pattern. */
function literalValues(value: string, op: string): string[] | undefined {
  if (op === '=' || op === '!=') return [value];
  return /^[\w-]+(\|[\w-]+)*$/.test(value) ? value.split('|') : undefined;
}

describe('the alert rules', () => {
  let binary = '';

  before(() => {
    try {
      const found = resolvePromtool();
      binary = found.path;
      console.log(`# ${describeServer(found)}`);
    } catch (err) {
      throw new Error(
        'promtool could not be found or built, and the alert rules are checked with it: set ' +
          'PROMTOOL_PATH, put promtool on PATH, or install Go so `npm run servers` builds it ' +
          `(${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
  });

  it('are valid rules, loaded by a valid example configuration (promtool check)', () => {
    const rules = promtool(binary, ['check', 'rules', RULES]);
    assert.equal(rules.status, 0, rules.output);
    assert.match(rules.output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
    const config = promtool(binary, ['check', 'config', CONFIG]);
    assert.equal(config.status, 0, config.output);
    assert.match(config.output, /SUCCESS: 1 rule files found/);
  });

  it('pass their unit tests, firing and quiet (promtool test rules)', () => {
    const tested = promtool(binary, ['test', 'rules', RULE_TESTS]);
    assert.equal(tested.status, 0, tested.output);
    assert.match(tested.output, /SUCCESS/);
  });

  it('are each shown firing in a unit test, and shown quiet in another', () => {
    const expectations = ruleTests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const mine = expectations.filter((e) => e.alertname === alert);
      assert.ok(
        mine.some((e) => (e.exp_alerts ?? []).length > 0),
        `${alert} is never shown firing in ${RULE_TESTS}`,
      );
      assert.ok(
        mine.some((e) => (e.exp_alerts ?? []).length === 0),
        `${alert} is never shown quiet in ${RULE_TESTS}`,
      );
    }
    const named = new Set(alerts.map((a) => a.alert));
    for (const e of expectations)
      assert.ok(named.has(e.alertname), `${e.alertname} is tested but not a rule`);
  });

  it('each carry a severity, a summary, a description and a runbook under its own heading', () => {
    const doc = read(RUNBOOK);
    const sectionLine = doc.split('\n').indexOf(RUNBOOK_SECTION);
    assert.ok(sectionLine >= 0, `${RUNBOOK} has no section "${RUNBOOK_SECTION}"`);
    const anchors = githubAnchors(doc);
    for (const rule of alerts) {
      const { alert, labels = {}, annotations = {} } = rule;
      assert.match(labels.severity ?? '', /^(critical|warning)$/, `${alert}: severity`);
      assert.ok(annotations.summary?.trim(), `${alert}: no summary`);
      assert.ok(annotations.description?.trim(), `${alert}: no description`);
      const url = annotations.runbook_url ?? '';
      assert.match(
        url,
        new RegExp(`^${RUNBOOK.replace('.', '\\.')}#[\\w-]+$`),
        `${alert}: runbook_url ${url}`,
      );
      const anchor = url.slice(url.indexOf('#') + 1);
      const heading = anchors.find((a) => a.anchor === anchor);
      assert.ok(heading, `${alert}: ${RUNBOOK} has no heading with the anchor #${anchor}`);
      assert.ok(heading.line > sectionLine, `${alert}: #${anchor} is not under "${RUNBOOK_SECTION}"`);
    }
  });

  it('read only the metrics the processes expose, with labels and values they carry', () => {
    for (const rule of alerts) {
      const selectors = selectorsOf(rule.expr);
      assert.ok(selectors.length > 0, `${rule.alert}: no metric found in its expression`);
      for (const { metric, matchers } of selectors) {
        const known = metricOfSeries(metric);
        assert.ok(known, `${rule.alert} reads ${metric}, which monitoring/metrics.ts does not list`);
        for (const { label, op, value } of matchers) {
          if (label === 'job') {
            const jobs =
              known.source === 'prometheus' ? Object.values(SCRAPE_JOBS) : [SCRAPE_JOBS[known.source]];
            assert.ok(
              jobs.includes(value),
              `${rule.alert}: ${metric} is scraped by ${jobs.join(' or ')}, not ${value}`,
            );
            continue;
          }
          if (known.type === 'histogram' && label === 'le') continue;
          assert.ok(
            [...known.labels, 'instance'].includes(label),
            `${rule.alert}: ${metric} has no label ${label} (it has ${known.labels.join(', ')})`,
          );
          const allowed = known.values?.[label];
          const named = literalValues(value, op);
          if (!allowed || !named) continue;
          for (const v of named) {
            assert.ok(
              allowed.includes(v),
              `${rule.alert}: ${metric}{${label}${op}"${value}"}: ${v} is not a value it takes`,
            );
          }
        }
      }
    }
  });

  it('finds the selectors in an expression (the check can fail)', () => {
    const found = selectorsOf(
      'sum by (namespace, task_queue) (rate(a_total{job="x", kind=~"p|q"}[5m] offset 5m)) / on (job) b > 2 * 3600 # c',
    );
    assert.deepEqual(found, [
      {
        metric: 'a_total',
        matchers: [
          { label: 'job', op: '=', value: 'x' },
          { label: 'kind', op: '=~', value: 'p|q' },
        ],
      },
      { metric: 'b', matchers: [] },
    ]);
    assert.equal(metricOfSeries('temporal_activity_schedule_to_start_latency_bucket')?.type, 'histogram');
    assert.equal(
      metricOfSeries('temporal_activity_schedule_to_start_latency_milliseconds_bucket'),
      undefined,
    );
    assert.deepEqual(
      githubAnchors('# A b\n```\n## Not: a heading\n```\n### PaymentsFailing\n## A b').map((a) => a.anchor),
      ['a-b', 'paymentsfailing', 'a-b-1'],
    );
  });
});
