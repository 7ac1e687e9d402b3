// ESLint for the web client's files (static/): ES modules as Odoo 18 loads
// them, in the browser, with Odoo's globals.
const globals = require("globals");

module.exports = [
    {
        files: ["static/**/*.js"],
        languageOptions: {
            ecmaVersion: 2024,
            sourceType: "module",
            globals: {
                ...globals.browser,
                luxon: "readonly",
                odoo: "readonly",
                owl: "readonly",
            },
        },
        rules: {
            "no-undef": "error",
            "no-unused-vars": ["error", { args: "none" }],
            "prefer-const": "error",
            "no-var": "error",
            eqeqeq: ["error", "smart"],
        },
    },
];
