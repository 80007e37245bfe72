/** The live feed page: subscribes to /feed/events and lists events as they arrive, grouped by context. */
export const FEED_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Event feed · nestjs-durable-bus demo</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1b1f24; background: #f6f8fa; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.hint { color: #57606a; margin: 0 0 1rem; }
  #status { font-weight: 600; }
  table { border-collapse: collapse; width: 100%; background: white; box-shadow: 0 1px 2px #0002; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d0d7de; font-family: ui-monospace, monospace; font-size: 12px; }
  th { background: #eaeef2; font-family: system-ui, sans-serif; }
  tr.orders td:first-child { border-left: 4px solid #0969da; }
  tr.finances td:first-child { border-left: 4px solid #1a7f37; }
  tr.fresh { animation: flash 1.5s ease-out; }
  @keyframes flash { from { background: #fff8c5; } to { background: white; } }
</style>
</head>
<body>
<h1>Live event feed</h1>
<p class="hint">Every event published in the fleet, as it happens (broadcast, at most once). <span id="status">connecting…</span></p>
<table>
  <thead><tr><th>time</th><th>event</th><th>subject</th><th>event id</th><th>correlation</th><th>caused by</th></tr></thead>
  <tbody id="events"></tbody>
</table>
<script>
  const rows = document.getElementById('events');
  const status = document.getElementById('status');
  const source = new EventSource('/feed/events');
  source.onopen = () => { status.textContent = 'live'; };
  source.onerror = () => { status.textContent = 'reconnecting…'; };
  source.addEventListener('bus-event', (message) => {
    const event = JSON.parse(message.data);
    const row = document.createElement('tr');
    row.className = event.eventName.split('.')[0] + ' fresh';
    for (const value of [new Date(event.occurredAt).toLocaleTimeString(), event.eventName, event.subject, event.eventId, event.correlationId, event.causationId || '–']) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.appendChild(cell);
    }
    rows.prepend(row);
  });
</script>
</body>
</html>
`;
