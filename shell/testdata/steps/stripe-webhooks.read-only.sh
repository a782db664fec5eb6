# Recent webhook deliveries and what the API logged about them.
curl -fsS -G https://api.stripe.com/v1/events \
  -u "$STRIPE_SECRET_KEY:" \
  -d limit=20 -d 'types[]=payment_intent.succeeded' \
  | jq -r '.data[] | [.id, .type, (.created | todate)] | @tsv'
docker compose logs --since 2h api 2>&1 \
  | grep -iE 'stripe|webhook' \
  | grep -iE 'error|signature|timeout' \
  | tail -n 40
