#!/usr/bin/env bash
# The product's main job on a local default: installs what is missing, builds the extension and the sandbox
# CRM, starts a local WordPress (nginx + php-fpm + SQLite) with the plugin and the extension against the
# Customer.io sandbox (the site holding the sandbox's webhook signing key), prints the webhook URLs, has the
# sandbox send a sample `add` webhook signed as a Customer.io journey signs it, and shows the user it made and
# the log's verdict on the signature. The site keeps running until `scripts/wp-env.sh down` (the script says how).
#
# Usage: scripts/demo.sh     (WPF_CRM=customerly for the Customerly sandbox instead of Customer.io;
#                             WPF_SITE_PORT / WPF_SANDBOX_PORT move the ports, default 8089 / 8090)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
cd "$REPO"
export WPF_RUN=${WPF_RUN:-$REPO/.run/demo}
readonly CRM=${WPF_CRM:-customerio}
readonly EMAIL=jane@example.com
case $CRM in
  customerio)
    readonly CRM_NAME=Customer.io SLUG=customer-io BODY="{\"email\": \"$EMAIL\"}"
    readonly WHERE='a journey step "Send and receive data", body {"email": "{{customer.email}}"}' ;;
  customerly)
    readonly CRM_NAME=Customerly SLUG=customerly BODY="{\"type\": \"user_tagged\", \"data\": {\"user\": {\"data\": {\"email\": \"$EMAIL\"}}}}"
    readonly WHERE='Settings > Webhooks, events "contact tagged" / "contact details updated"' ;;
  *) echo "WPF_CRM must be customerio or customerly" >&2; exit 2 ;;
esac

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Installing missing packages"
scripts/deps.sh

step "Building the extension and the sandbox CRM (release)"
cargo build --release --workspace

step "Starting WordPress with the plugin, the extension and the $CRM_NAME sandbox"
scripts/wp-env.sh up
eval "$(scripts/wp-env.sh env)"

KEY=$(scripts/wp-env.sh php scripts/php/demo-configure.php "$CRM")
readonly KEY

step "Webhook URLs to paste in $CRM_NAME ($WHERE)"
for action in test add update update_tags; do
  printf '  %-12s %s/?wpf_action=%s&access_key=%s\n' "$action" "$WPF_SITE_URL" "$action" "$KEY"
done
printf '  %-12s %s/?wpf_action=add&access_key=%s&send_notification=true&role=subscriber\n' "add + email" "$WPF_SITE_URL" "$KEY"

readonly URL="$WPF_SITE_URL/?wpf_action=add&access_key=$KEY&send_notification=true"
if [[ $CRM == customerio ]]; then
  # Customer.io signs its webhooks; the site has the workspace's (here the sandbox's) signing key and checks it.
  step "Sending a sample 'add' webhook for $EMAIL, signed as $CRM_NAME signs it (X-CIO-Timestamp, X-CIO-Signature)"
  php -r 'echo json_encode(["url" => $argv[1], "body" => $argv[2], "sign" => "customerio"]);' "$URL" "$BODY" \
    | curl -sS -X POST "$WPF_SANDBOX_URL/_sandbox/webhooks" -H 'Content-Type: application/json' --data-binary @- \
    | php -r '$a = json_decode(stream_get_contents(STDIN), true); echo "  HTTP ", $a["status"], " ", $a["body"], "\n";'
else
  step "Sending a sample 'add' webhook for $EMAIL, as $CRM_NAME would (Customerly does not sign its webhooks)"
  curl -sS -X POST "$URL" -H 'Content-Type: application/json' -H "X-CIO-Delivery-Id: demo-$(date +%s)" -d "$BODY"
  echo
fi

step "The WordPress user it made"
scripts/wp-env.sh php scripts/php/demo-show-user.php "$EMAIL" "$SLUG"

step "What the sandbox CRM received"
curl -sS "$WPF_SANDBOX_URL/_sandbox/requests" | php -r '
  foreach (json_decode(stream_get_contents(STDIN), true)["requests"] as $r) {
    $body = $r["method"] === "GET" ? "" : "  (the generated password written to the contact before the user was created)";
    printf("  #%d %s %s  -> %d  (connection %d)%s\n", $r["seq"], $r["method"], $r["path"], $r["status"], $r["connection"], $body);
  }'

step "The new-user email WordPress sent (captured; there is no mail server)"
php -r '$m = json_decode(trim(file($argv[1])[0] ?? "null"), true); if ($m) { echo "  To: ", implode(", ", $m["to"]), "\n  Subject: ", $m["subject"], "\n"; }' "$WPF_MAIL_LOG"

step "Done"
echo "  Site:  $WPF_SITE_URL  (admin password in $WPF_RUN/admin-password)"
echo "  Try:   curl -X POST '$WPF_SITE_URL/?wpf_action=update_tags&access_key=$KEY' -d '$BODY'"
echo "  Stop:  WPF_RUN=$WPF_RUN scripts/wp-env.sh down"
