/** Words of PromQL that are not metric names (keywords, modifiers, aggregation clauses). */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'atan2', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: label matchers, grouping clauses, strings, range
 * selectors and Grafana variables removed, then every identifier that is not a function call
 * or a keyword.
 */
export function metricNames(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = stripped.slice(match.index + match[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(match[0].toLowerCase())) continue;
    if (/\d$/.test(stripped.slice(0, match.index))) continue; // the unit of a number such as 1e-9
    names.add(match[0]);
  }
  return [...names];
}

/**
 * Every series name a Prometheus text exposition can yield: the sample names, and for each
 * `# TYPE` line the names its type implies (a histogram with no observation yet still has a
 * _bucket, _sum and _count once observed).
 */
export function exposedNames(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
      if (kind === 'counter' && !name.endsWith('_total')) names.add(`${name}_total`);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{\s]/.exec(line);
    if (sample) names.add(sample[1]);
  }
  return names;
}
