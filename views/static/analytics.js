// Draws the analytics page's charts with Chart.js from the figures the page carries as JSON.
document.addEventListener('DOMContentLoaded', () => {
	const source = document.getElementById('analytics-data');
	if (!source || !window.Chart) return;
	const data = JSON.parse(source.textContent);
	const good = '#2f8f5b';
	const bad = '#c0392b';
	const blue = '#3b6fd4';
	const draw = (id, config) => {
		const canvas = document.getElementById(id);
		if (canvas)
			canvas.chart = new Chart(canvas, {
				...config,
				options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
			});
	};
	const steps = data.trend.map((step) => step.at.replace('T', ' ') + (step.at.length === 13 ? 'h' : ''));
	draw('executions-chart', {
		type: 'bar',
		data: {
			labels: steps,
			datasets: [
				{ label: 'succeeded or other', data: data.trend.map((s) => s.total - s.failed), backgroundColor: good },
				{ label: 'failed', data: data.trend.map((s) => s.failed), backgroundColor: bad },
			],
		},
		options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
	});
	draw('durations-chart', {
		type: 'line',
		data: {
			labels: steps,
			datasets: [
				{ label: 'p50 (ms)', data: data.trend.map((s) => s.p50Ms), borderColor: blue, backgroundColor: blue },
				{ label: 'p95 (ms)', data: data.trend.map((s) => s.p95Ms), borderColor: bad, backgroundColor: bad },
			],
		},
		options: { scales: { y: { beginAtZero: true } } },
	});
	draw('failing-chart', {
		type: 'bar',
		data: {
			labels: data.topFailing.map((w) => `${w.workflowName || w.workflowId} (${w.environmentName})`),
			datasets: [{ label: 'failed executions', data: data.topFailing.map((w) => w.failed), backgroundColor: bad }],
		},
		options: { indexAxis: 'y', scales: { x: { beginAtZero: true } } },
	});
	const currencies = [...new Set(data.costPerDay.map((c) => c.currency))];
	const days = [...new Set(data.costPerDay.map((c) => c.day))];
	draw('cost-chart', {
		type: 'bar',
		data: {
			labels: days,
			datasets: currencies.map((currency, i) => ({
				label: `cost (${currency})`,
				data: days.map((day) => data.costPerDay.find((c) => c.day === day && c.currency === currency)?.cost ?? 0),
				backgroundColor: [blue, good, bad][i % 3],
			})),
		},
		options: { scales: { y: { beginAtZero: true } } },
	});
});
