// Bundles the benchmark page: our engine package and the reference (@bsull/augurs Prophet with
// the Stan optimizer compiled to WASM) loaded side by side in one Chromium session.
const path = require('path');

module.exports = {
  mode: 'production',
  devtool: false,
  context: __dirname,
  entry: './src/bench.ts',
  output: { path: path.resolve(__dirname, 'dist'), filename: 'bench.js', publicPath: '/bench/' },
  resolve: { extensions: ['.ts', '.mjs', '.js'], fallback: { fs: false, 'fs/promises': false } },
  experiments: { asyncWebAssembly: true, topLevelAwait: true },
  module: {
    rules: [
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.ts$/,
        exclude: /node_modules/,
        use: { loader: 'swc-loader', options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2020' } } },
      },
    ],
  },
  optimization: { minimize: false },
  performance: { hints: false },
  stats: 'errors-warnings',
};
