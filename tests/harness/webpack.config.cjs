// Bundles the harness page: the host side of what Grafana does for a panel plugin (shared
// modules, AMD loading of dist/module.js, PanelChrome, theme). Not part of the plugin.
const path = require('path');
const webpack = require('webpack');

module.exports = {
  // React and @grafana/ui as Grafana ships them (production builds): the scale benchmark measures
  // main-thread time, which React's development checks would inflate. Not minified: readable
  // stacks, quick builds.
  mode: 'production',
  optimization: { minimize: false },
  devtool: false,
  context: __dirname,
  entry: './src/index.tsx',
  output: { path: path.resolve(__dirname, 'dist'), filename: 'harness.js', publicPath: '/harness/' },
  cache: { type: 'filesystem', cacheDirectory: path.resolve(__dirname, '../../node_modules/.cache/harness') },
  resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js'] },
  module: {
    rules: [
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.tsx?$/,
        exclude: /node_modules/,
        use: { loader: 'swc-loader', options: { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2020' } } },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(svg|png|woff2?|ttf|eot)$/, type: 'asset/resource' },
    ],
  },
  plugins: [new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') })],
  performance: { hints: false },
  stats: 'errors-warnings',
};
