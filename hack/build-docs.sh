#!/usr/bin/env bash
# `make docs`: the antsibull-docs HTML site of webnic.ssl (modules, role, and the guides of docs/*.md)
# into build/docs/html. Offline: intersphinx is off, so references to docs.ansible.com stay plain
# text. Sphinx warnings are listed in build/docs/warnings.txt; any warning other than the allowed
# ones below fails the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/build/docs"
rm -rf "$OUT"
mkdir -p "$OUT"

# antsibull-docs reads the collection from a collections path: a real copy of the checkout.
COLLECTIONS="$OUT/collections"
dest=$(SYNC_DEST="$COLLECTIONS/ansible_collections/webnic/ssl" "$ROOT/hack/sync-collection.sh")

SITE="$OUT/site"
mkdir -p "$SITE"
chmod og-w "$SITE"
antsibull-docs sphinx-init --use-current --lenient --dest-dir "$SITE" webnic.ssl >/dev/null
# Markdown guides through MyST (docs/docsite/rst/guide_*.rst include them); no intersphinx (offline).
cat >>"$SITE/conf.py" <<'CONF'

# Added by hack/build-docs.sh
extensions.append("myst_parser")
intersphinx_mapping = {}
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]
CONF
# build.sh of sphinx-init: antsibull-docs collection ... then sphinx-build; run the steps ourselves
# so that the guides can be copied in between.
mkdir -p "$SITE/rst"
chmod og-w "$SITE/rst"  # antsibull-docs wants that directory writable by itself only
(cd "$SITE" && ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" antsibull-docs --config-file antsibull-docs.cfg collection \
    --cleanup everything --use-current --dest-dir rst webnic.ssl >"$OUT/antsibull-docs.log" 2>&1) || {
    cat "$OUT/antsibull-docs.log" >&2
    exit 1
}
docsite="$SITE/rst/collections/webnic/ssl/docsite"
mkdir -p "$docsite/guides"
# docs/docsite/rst/guide_<name>.rst are stand-ins (valid alone, for antsibull-docs lint); in the site
# each becomes its label plus the Markdown guide itself.
for page in "$docsite"/guide_*.rst; do
    name=$(basename "$page" .rst)
    guide=$(echo "${name#guide_}" | tr _ -).md
    printf '.. _ansible_collections.webnic.ssl.docsite.%s:\n\n.. include:: guides/%s\n   :parser: myst_parser.sphinx_\n' \
        "$name" "$guide" >"$page"
done
# Links between the guides and to files of the repository point at GitHub in the site (the guides
# are included pages, not Sphinx documents, so relative .md links would not resolve).
REPO_URL="https://github.com/webnic-community/webnic.ssl/blob/main"
for guide in "$dest"/docs/*.md; do
    sed -E -e "s#\]\(\.\./([^)]+)\)#](${REPO_URL}/\1)#g" \
        -e "s#\]\(([a-z0-9-]+\.md)(\#[^)]*)?\)#](${REPO_URL}/docs/\1\2)#g" \
        "$guide" >"$docsite/guides/$(basename "$guide")"
done

sphinx-build -M html "$SITE/rst" "$OUT" -c "$SITE" -q -w "$OUT/warnings.txt" 2>"$OUT/sphinx.log" || true
[[ -f "$OUT/html/collections/webnic/ssl/index.html" ]] || { echo "docs: no HTML was built" >&2; cat "$OUT/warnings.txt" >&2; exit 1; }
# Every guide of docs/*.md is a page of the site (docs/docsite/extra-docs.yml lists them).
for guide in "$ROOT"/docs/*.md; do
    page="$OUT/html/collections/webnic/ssl/docsite/guide_$(basename "$guide" .md | tr - _).html"
    [[ -f "$page" ]] || { echo "docs: $(basename "$guide") is not in the site ($page missing)" >&2; exit 1; }
done
echo "docs: $OUT/html/collections/webnic/ssl/index.html"

# The only warnings allowed: references into docs.ansible.com that intersphinx would resolve online
# (ansible.builtin and community.crypto modules, common_return_values, action_plugins,
# ansible_configuration_settings, ANSIBLE_* environment variables).
ALLOWED="undefined label: '(common_return_values|action_plugins|ansible_configuration_settings|ansible_collections\.(ansible\.builtin|community\.crypto)\.[a-z0-9_]+)'|'envvar' reference target not found: ANSIBLE_"
allowed=$(grep -c -E "$ALLOWED" "$OUT/warnings.txt" || true)
if grep -v -E "$ALLOWED" "$OUT/warnings.txt" | grep -q .; then
    echo "docs: Sphinx warnings other than references that need the internet:" >&2
    grep -v -E "$ALLOWED" "$OUT/warnings.txt" >&2
    exit 1
fi
echo "docs: ${allowed} warning(s), all references to docs.ansible.com that need intersphinx (offline): $OUT/warnings.txt"
