/** What a step's prompt template can name: {{params.x}}, {{item}}, {{run}}, {{steps.<id>.<field>}}, {{brief}}. */
export interface TemplateScope {
  run: string;
  params: Record<string, string | string[]>;
  item?: string;
  steps: Record<string, { summary?: string; branch?: string; job?: string }>;
  brief?: string;
}

const VAR = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/**
 * Fills a template. A name with no value becomes an empty string (a predecessor that said no
 * summary); lists join with commas. Plain substitution only: the text is data, never code.
 */
export function renderTemplate(text: string, scope: TemplateScope): string {
  return text.replace(VAR, (whole: string, name: string) => {
    const [head, a, b] = name.split('.');
    let v: unknown;
    if (head === 'params' && a) v = scope.params[a];
    else if (head === 'steps' && a && b) v = (scope.steps[a] as Record<string, unknown> | undefined)?.[b];
    else if (head === 'item') v = scope.item;
    else if (head === 'run') v = scope.run;
    // Filled when the job launches (its brief is of that moment): kept as written until then.
    else if (head === 'brief') v = scope.brief ?? whole;
    return Array.isArray(v) ? v.join(',') : v === undefined || v === null ? '' : String(v);
  });
}
