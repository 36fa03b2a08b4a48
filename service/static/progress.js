// Draws a record's chain with bpmn-js and marks the finished and the current elements.
(async function () {
  const container = document.getElementById('progress-diagram');
  if (!container || typeof BpmnJS === 'undefined') return;
  try {
    const response = await fetch(container.dataset.src, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(response.status);
    const data = await response.json();
    const viewer = new BpmnJS({ container });
    await viewer.importXML(data.bpmn_xml);
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const registry = viewer.get('elementRegistry');
    for (const id of data.completed) if (registry.get(id)) canvas.addMarker(id, 'done');
    for (const id of data.active) if (registry.get(id)) canvas.addMarker(id, 'active');
    container.dataset.ready = 'true';
    const version = document.getElementById('progress-version');
    if (version) version.textContent = `（流程版本 ${data.process_version}）`;
  } catch (err) {
    container.textContent = '流程图加载失败，请刷新重试。';
  }
})();
