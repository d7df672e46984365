import { describe, expect, test } from 'vitest';
import { renderTemplate, templatePlaceholders } from '../../src/config/template.js';

describe('renderTemplate', () => {
  test.each([
    ['no placeholders', 'plain text', {}, 'plain text', []],
    ['one value', 'go vet {{.pkgs}}', { pkgs: './...' }, 'go vet ./...', []],
    ['spaces inside the braces', '{{ .a }}-{{.a}}', { a: 'x' }, 'x-x', []],
    ['a missing value stays as written', 'Coverage {{.coverage}}%', {}, 'Coverage {{.coverage}}%', ['coverage']],
    ['missing names once, in order', '{{.b}} {{.a}} {{.b}}', {}, '{{.b}} {{.a}} {{.b}}', ['b', 'a']],
    ['an empty value is a value', '[{{.a}}]', { a: '' }, '[]', []],
    ['values are not re-expanded', '{{.a}}', { a: '{{.b}}', b: 'no' }, '{{.b}}', []],
    ['other template syntax is left alone', '{{if .a}}x{{end}} {{.a}}', { a: '1' }, '{{if .a}}x{{end}} 1', []],
    ['prototype names are not values', '{{.constructor}}', {}, '{{.constructor}}', ['constructor']],
    ['$ in a value is literal', '{{.a}}', { a: '$& $1' }, '$& $1', []],
  ])('%s', (_name, template, values: Record<string, string>, text, missing) => {
    expect(renderTemplate(template, values)).toEqual({ text, missing });
  });

  test('templatePlaceholders gives names and offsets', () => {
    expect(templatePlaceholders('a {{.x}} b {{ .y }}')).toEqual([
      { name: 'x', offset: 2 },
      { name: 'y', offset: 11 },
    ]);
  });
});
