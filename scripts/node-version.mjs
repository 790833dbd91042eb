// The Node.js check in front of every npm script (`node --import ./scripts/node-version.mjs …`).
// Plain JavaScript that any Node able to run npm can load, so an old Node gets this message
// instead of "No such built-in module: node:sqlite" from deep inside the app.
//
// `npm install` normally makes this moot: the `node` package in devDependencies puts the project's
// own Node 24 in node_modules/.bin, which npm scripts run before the system's Node. This message is
// for when that did not happen (install scripts skipped, an unsupported platform, or a script run
// with the system's `node` directly).

/** Oldest Node.js with `node:sqlite` unflagged (docs/decisions/002). */
const MINIMUM = [22, 13];

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  console.error(`
  Gatehouse needs Node.js ${MINIMUM.join('.')} or newer; this is Node.js v${process.versions.node} (${process.execPath}).

  \`npm install\` normally brings the project's own Node 24 (the \`node\` package in devDependencies),
  and npm scripts then use it. It is missing here. Either:
    - run \`npm install\` again without --ignore-scripts (the \`node\` package's install script fetches
      the binary for this platform), then \`npm start\`; or
    - install Node 24 for this machine: \`npm install -g --force node@24\` (or your version manager).
`);
  process.exit(1);
}
