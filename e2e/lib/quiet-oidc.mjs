// oidc-provider announces each development default it uses (in-memory storage, generated keys,
// its login pages) and that it prefers Node 22; those defaults are exactly what a stand-in wants,
// so its notices are not printed. Imported before oidc-provider, whose import prints the first.
for (const level of ["info", "warn"]) {
  const original = console[level];
  console[level] = (...args) => {
    if (typeof args[0] === "string" && args[0].includes("oidc-provider ")) return;
    original(...args);
  };
}
