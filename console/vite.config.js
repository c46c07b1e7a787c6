// Builds the console into the core package (spidergate/web/console_dist), which the dashboard
// function serves at /console: index.html uncached, hashed assets cached for a year.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  base: "./", // relative URLs: deployed, the console lives under the API stage (/<stage>/console/)
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  define: { global: "globalThis" }, // amazon-cognito-identity-js reads `global`
  build: {
    outDir: fileURLToPath(new URL("../shared/spidergate/web/console_dist", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2020",
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
});
