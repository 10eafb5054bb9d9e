// Stylesheets imported for the bundler: esbuild gathers them into app.css.
declare module '*.css';
