// fanout/config: the check config format: YAML → diagnostics → resolved checks; grok, assert and templates.
export { loadConfig, loadConfigText, CONFIG_FILE_NAMES, isVibeguardFileName } from './load.js';
export { configFolders } from './find.js';
export type { LoadConfigOptions, LoadConfigTextOptions } from './load.js';
export { readConfigFile, findConfigFile } from './find.js';
export type { FindConfigOptions, FoundConfig } from './find.js';
export { formatDiagnostic } from './diagnostics.js';
export { compileGrok, analyzeGrokPattern, GrokError, GROK_PATTERNS } from './grok.js';
export type { GrokMatcher, GrokAnalysis, CompiledGrokPattern, GrokPatternSource } from './grok.js';
export { parseAssert, parseVibeguardAssert, printAssert, evaluateAssert, assertIdentifiers } from './assert.js';
export type { AssertNode, BinaryOperator, ParseAssertResult, EvaluateAssertResult } from './assert.js';
export { renderGoTemplate, renderTemplate, substituteVarsExactly, templatePlaceholders } from './template.js';
export type { Placeholder, RenderTemplateOptions } from './template.js';
export type { Diagnostic, Prompt, Trigger, ResolvedCheck, ResolvedConfig, LoadResult } from './types.js';
