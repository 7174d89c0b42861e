// Trims GitHub's own OpenAPI description (from @octokit/openapi) to the
// operations auto-milestone sends, keeping every component they reference,
// so Prism starts in seconds instead of ~20 s. Also repairs three things in
// the description that stop it from being served as-is (see test-peers.md):
//   1. examples written as {"value": {"$ref": ...}} come back wrapped in
//      `value`: the referenced example is inlined;
//   2. `{ref}` never matches a ref with a slash (`heads/feat/issue-1`): alias
//      paths under `git/refs/heads/` are added for the operations we use;
//   3. example `Link` headers point at https://api.github.com, so a paginating
//      client would leave loopback: `Link` is removed from every response;
//   4. GitHub tells clients to send `Accept: application/vnd.github+json` and
//      answers it with JSON, but the description lists only
//      `application/json`, so Prism's negotiation answers 406: every JSON
//      response also gets that media type.
//
// Usage: node trim-openapi.mjs [OUT]   (default: github-trimmed.json beside this file)
// Runs as npm's postinstall, so `npm ci --prefix tests/peers` leaves the file ready.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'node_modules/@octokit/openapi/generated/api.github.com.json');
const OUT = process.argv[2] ?? join(here, 'github-trimmed.json');

// Every operation the program sends (src/github/client.rs), path -> methods.
// `branch` is multi-segment in GitHub's description; base branches the
// contract test asks about have no slash, so no alias is needed.
const USED = {
  '/repos/{owner}/{repo}': ['get'],
  '/repos/{owner}/{repo}/branches/{branch}/protection': ['get'],
  '/repos/{owner}/{repo}/milestones': ['get'],
  '/repos/{owner}/{repo}/issues': ['get'],
  '/repos/{owner}/{repo}/issues/{issue_number}': ['get'],
  '/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by': ['get'],
  '/repos/{owner}/{repo}/pulls': ['get', 'post'],
  '/repos/{owner}/{repo}/pulls/{pull_number}': ['get'],
  '/repos/{owner}/{repo}/commits/{ref}/check-runs': ['get'],
  '/repos/{owner}/{repo}/commits/{ref}/status': ['get'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/reviews': ['get'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/comments': ['get'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['get', 'post'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/update-branch': ['put'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/merge': ['put'],
  '/repos/{owner}/{repo}/git/refs/{ref}': ['delete'],
};

// Branch names are `<kind>/issue-<N>`, so a branch ref has one slash after
// `heads/`; a plain name (`main`) has none. Both shapes get an alias.
const REF_ALIASES = {
  '/repos/{owner}/{repo}/git/refs/{ref}': [
    '/repos/{owner}/{repo}/git/refs/heads/{ref}',
    '/repos/{owner}/{repo}/git/refs/heads/{ref_prefix}/{ref}',
  ],
};

const spec = JSON.parse(readFileSync(SOURCE, 'utf8'));
const started = Date.now();

function resolve(ref) {
  const parts = ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const target = parts.reduce((node, key) => node?.[key], spec);
  if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
  return target;
}

// Fix 1: {"summary": ..., "value": {"$ref": "#/components/examples/x"}} -> the example's own value.
function inlineWrappedExamples(node) {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(inlineWrappedExamples);
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, example]) => {
        const wrapped = example?.value?.$ref;
        return [name, wrapped ? { ...example, value: resolve(wrapped).value } : inlineWrappedExamples(example)];
      }));
    } else {
      out[key] = inlineWrappedExamples(value);
    }
  }
  return out;
}

// Fix 3: drop `Link` from every response's headers.
function stripLinkHeaders(node) {
  if (!node || typeof node !== 'object') return;
  if (node.headers && typeof node.headers === 'object' && (node.description !== undefined || node.content)) {
    for (const name of Object.keys(node.headers)) {
      if (name.toLowerCase() === 'link') delete node.headers[name];
    }
  }
  for (const value of Object.values(node)) stripLinkHeaders(value);
}

// Fix 4: the media type GitHub's clients ask for, answered with the same JSON.
const GITHUB_JSON = 'application/vnd.github+json';
function acceptGitHubJson(response) {
  const json = response.content?.['application/json'];
  if (json && !response.content[GITHUB_JSON]) response.content[GITHUB_JSON] = json;
}

function collectRefs(node, found) {
  if (!node || typeof node !== 'object') return;
  if (typeof node.$ref === 'string' && !found.has(node.$ref)) {
    found.add(node.$ref);
    collectRefs(resolve(node.$ref), found);
  }
  for (const value of Object.values(node)) collectRefs(value, found);
}

// Fix 2: alias paths whose multi-segment `ref` parameter becomes one or two plain segments.
function aliasOperation(operation, aliasPath) {
  const names = [...aliasPath.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((n) => n !== 'owner' && n !== 'repo');
  const parameters = operation.parameters
    .filter((p) => !(p.$ref && resolve(p.$ref).name === 'ref'))
    .concat(names.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: name === 'ref' ? 'The branch name (its last segment when it has a slash).' : 'The first segment of a branch name with a slash.',
      schema: { type: 'string' },
    })));
  return { ...operation, operationId: `${operation.operationId}--${names.join('-')}`, parameters };
}

const paths = {};
for (const [path, methods] of Object.entries(USED)) {
  const item = spec.paths[path];
  if (!item) throw new Error(`the description has no path ${path}`);
  const kept = Object.fromEntries(methods.map((m) => {
    if (!item[m]) throw new Error(`the description has no ${m.toUpperCase()} ${path}`);
    return [m, item[m]];
  }));
  if (item.parameters) kept.parameters = item.parameters;
  paths[path] = inlineWrappedExamples(kept);
  for (const alias of REF_ALIASES[path] ?? []) {
    paths[alias] = Object.fromEntries(methods.map((m) => [m, aliasOperation(paths[path][m], alias)]));
  }
}

// Response components (`not_found`, ...) carry headers too, so strip before and after collecting.
const components = {};
stripLinkHeaders(paths);
const refs = new Set();
collectRefs(paths, refs);
for (const ref of [...refs].sort()) {
  const [, , kind, name] = ref.split('/');
  components[kind] ??= {};
  components[kind][name] = inlineWrappedExamples(resolve(ref));
}
stripLinkHeaders(components);
for (const item of Object.values(paths)) {
  for (const operation of Object.values(item)) Object.values(operation.responses ?? {}).forEach(acceptGitHubJson);
}
Object.values(components.responses ?? {}).forEach(acceptGitHubJson);

const trimmed = {
  openapi: spec.openapi,
  info: { ...spec.info, description: `${spec.info.description ?? ''} Trimmed by auto-milestone's tests/peers/trim-openapi.mjs.`.trim() },
  paths,
  components,
};
writeFileSync(OUT, `${JSON.stringify(trimmed, null, 1)}\n`);
const size = Buffer.byteLength(JSON.stringify(trimmed));
console.log(`trim-openapi: ${Object.keys(paths).length} paths, ${refs.size} components, ${(size / 1024).toFixed(0)} KiB -> ${OUT} (${Date.now() - started} ms)`);
