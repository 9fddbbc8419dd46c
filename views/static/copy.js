// A "Copy" button beside a value shown once (a token, a secret): data-copy names the field to copy.
document.addEventListener('click', (event) => {
	const button = event.target.closest('[data-copy]');
	if (!button) return;
	const field = document.getElementById(button.dataset.copy);
	navigator.clipboard.writeText(field.value).then(
		() => (button.textContent = 'Copied'),
		() => field.select(),
	);
});
