/** The project runs on the Node 24 it pins (package.json devDependency `node`); say so plainly on any other. */
export function assertNodeVersion(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    console.error(
      `Switchboard needs Node 24 (this is ${process.version}). Run it through pnpm (npx pnpm@12.4.2 start), ` +
        'which uses the Node 24 installed into node_modules.',
    );
    process.exit(1);
  }
}
