// Bundles the harness page (Grafana's dashboard runtime around the built plugin) once per
// runtime set: `--env runtime=12` takes React, @grafana/* and @grafana/scenes from
// tests/runtime-12/node_modules (Grafana 12.4, React 18), `--env runtime=13` from
// tests/runtime-13/node_modules (Grafana 13.2, React 19). Output: dist/<runtime>/harness.js.
// Not part of the plugin.
const path = require('path');
const webpack = require('webpack');

module.exports = (env = {}) => {
  const runtime = String(env.runtime ?? '13');
  const runtimeDir = path.resolve(__dirname, `../runtime-${runtime}`);
  // Bare imports of the harness's own source resolve from the runtime set (one React, one
  // @grafana/data for the page and everything it loads); the packages' own imports then resolve
  // inside that set's node_modules as usual.
  const src = path.join(__dirname, 'src');
  const fromRuntime = new webpack.NormalModuleReplacementPlugin(/^[^./]/, (data) => {
    if (data.context && data.context.startsWith(src)) {
      data.context = runtimeDir;
    }
  });
  return {
    // React and @grafana/ui as Grafana ships them (production builds): the scale benchmark measures
    // main-thread time, which React's development checks would inflate. Not minified: readable
    // stacks, quick builds.
    mode: 'production',
    optimization: { minimize: false },
    devtool: false,
    context: __dirname,
    entry: './src/index.tsx',
    output: { path: path.resolve(__dirname, 'dist', runtime), filename: 'harness.js', publicPath: `/harness/${runtime}/` },
    cache: { type: 'filesystem', name: `runtime-${runtime}`, cacheDirectory: path.resolve(__dirname, '../../node_modules/.cache/harness') },
    resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js'] },
    module: {
      rules: [
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        // @grafana/plugin-compat probes for APIs the other runtime lacks (`typeof x === 'function'`).
        { test: /[\\/]@grafana[\\/]plugin-compat[\\/]/, parser: { exportsPresence: false } },
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: { loader: 'swc-loader', options: { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2020' } } },
        },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/resource' },
      ],
    },
    plugins: [fromRuntime, new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') })],
    performance: { hints: false },
    stats: 'errors-warnings',
  };
};
