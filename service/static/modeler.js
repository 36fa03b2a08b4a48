// 流程图编辑器: the bpmn-js Modeler plus a small properties panel for what the engine reads from a diagram —
// the lane's role (lane name = role key), the user task's form and the end event's outcome (spiffworkflow
// properties), sequence flow conditions and timer expressions. Every edit goes through bpmn-js's modeling
// commands, so undo/redo works. 部署 posts the XML; the lint's refusals are listed and marked on the canvas.
(function () {
  'use strict';

  const root = document.getElementById('modeler');
  const configElement = document.getElementById('modeler-config');
  if (!root || !configElement || typeof BpmnJS === 'undefined') return;
  const config = JSON.parse(configElement.textContent);

  // The spiffworkflow extension namespace. Every element the engine knows is declared, so importing a diagram
  // and exporting it again keeps them all (serviceTaskOperator with its parameters, messageVariable …).
  const body = (name) => ({ name, superClass: ['Element'], properties: [{ name: 'value', type: 'String', isBody: true }] });
  const SPIFFWORKFLOW = {
    name: 'SpiffWorkflow',
    uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
    prefix: 'spiffworkflow',
    xml: { tagAlias: 'lowerCase' },
    associations: [],
    types: [
      { name: 'Properties', superClass: ['Element'], properties: [{ name: 'properties', type: 'Property', isMany: true }] },
      { name: 'Property', superClass: ['Element'], properties: [
        { name: 'name', isAttr: true, type: 'String' }, { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'ServiceTaskOperator', superClass: ['Element'], properties: [
        { name: 'id', isAttr: true, type: 'String' }, { name: 'resultVariable', isAttr: true, type: 'String' },
        { name: 'parameterList', type: 'Parameters' }, { name: 'retry', type: 'Retry' }] },
      { name: 'Parameters', superClass: ['Element'], properties: [{ name: 'parameters', type: 'Parameter', isMany: true }] },
      { name: 'Parameter', superClass: ['Element'], properties: [
        { name: 'id', isAttr: true, type: 'String' }, { name: 'type', isAttr: true, type: 'String' },
        { name: 'value', isAttr: true, type: 'String' }] },
      { name: 'Retry', superClass: ['Element'], properties: [
        { name: 'retries', isAttr: true, type: 'Integer' }, { name: 'backoff_base', isAttr: true, type: 'Integer' }] },
      body('MessagePayload'), body('MessageVariable'), body('PreScript'), body('PostScript'), body('CalledDecisionId'),
      body('InstructionsForEndUser'), body('PayloadExpression'), body('VariableName'), body('PropertyId'),
      body('Expression'),
      { name: 'ProcessVariableCorrelation', superClass: ['Element'], properties: [
        { name: 'propertyId', type: 'PropertyId' }, { name: 'expression', type: 'Expression' }] },
      { name: 'UnitTests', superClass: ['Element'], properties: [{ name: 'unitTests', type: 'UnitTest', isMany: true }] },
      { name: 'UnitTest', superClass: ['Element'], properties: [
        { name: 'id', isAttr: true, type: 'String' }, { name: 'inputJson', type: 'InputJson' },
        { name: 'expectedOutputJson', type: 'ExpectedOutputJson' }] },
      body('InputJson'), body('ExpectedOutputJson'),
    ],
  };

  const TYPE_LABELS = {
    'bpmn:UserTask': '用户任务', 'bpmn:ServiceTask': '服务任务', 'bpmn:Task': '任务（须改为用户任务或服务任务）',
    'bpmn:ScriptTask': '脚本任务（不允许）', 'bpmn:StartEvent': '开始事件', 'bpmn:EndEvent': '结束事件',
    'bpmn:IntermediateCatchEvent': '中间捕获事件', 'bpmn:IntermediateThrowEvent': '中间抛出事件',
    'bpmn:BoundaryEvent': '边界事件', 'bpmn:ExclusiveGateway': '排他网关', 'bpmn:ParallelGateway': '并行网关',
    'bpmn:InclusiveGateway': '包容网关', 'bpmn:EventBasedGateway': '事件网关', 'bpmn:SequenceFlow': '连线',
    'bpmn:Lane': '泳道', 'bpmn:Participant': '池', 'bpmn:Process': '流程', 'bpmn:Collaboration': '协作',
    'bpmn:SubProcess': '子流程', 'bpmn:TextAnnotation': '注释',
  };
  const TIMER_TYPES = [['timeDuration', '时长（timeDuration）'], ['timeDate', '日期（timeDate）'],
    ['timeCycle', '周期（timeCycle）']];

  const canvasElement = document.getElementById('modeler-canvas');
  const panel = document.getElementById('modeler-panel');
  const statusBox = document.getElementById('modeler-status');
  const errorsBox = document.getElementById('modeler-errors');
  const errorsList = errorsBox.querySelector('ul');
  const fileInput = document.getElementById('modeler-open');

  const modeler = new BpmnJS({ container: canvasElement, moddleExtensions: { spiffworkflow: SPIFFWORKFLOW } });
  window.processModeler = modeler; // for the console and the browser tests
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  const bpmnFactory = modeler.get('bpmnFactory');
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const registry = modeler.get('elementRegistry');
  const selection = modeler.get('selection');
  const eventBus = modeler.get('eventBus');

  // -- small DOM helpers (text is always set as text, never as HTML) -------------------------------------------

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else if (value === true) node.setAttribute(name, '');
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function showStatus(message, kind) {
    statusBox.hidden = !message;
    statusBox.textContent = message || '';
    statusBox.className = `modeler-status flash ${kind || ''}`;
  }

  // -- the model: reading and writing what the engine needs ---------------------------------------------------

  const is = (bo, type) => Boolean(bo && bo.$instanceOf && bo.$instanceOf(type));

  function spiffProperties(bo) {
    const ext = bo.extensionElements;
    return ext && (ext.values || []).find((v) => is(v, 'spiffworkflow:Properties'));
  }

  function spiffProperty(bo, name) {
    const props = spiffProperties(bo);
    const prop = props && (props.properties || []).find((p) => p.name === name);
    return prop ? prop.value || '' : '';
  }

  /** Set (or, with an empty value, remove) a spiffworkflow:property — one command, so one undo step. */
  function setSpiffProperty(element, name, value) {
    const bo = element.businessObject;
    const ext = bo.extensionElements;
    const props = spiffProperties(bo);
    const prop = props && (props.properties || []).find((p) => p.name === name);
    if (prop) {
      if (value) modeling.updateModdleProperties(element, prop, { value });
      else modeling.updateModdleProperties(element, props, { properties: props.properties.filter((p) => p !== prop) });
      return;
    }
    if (!value) return;
    const newProp = moddle.create('spiffworkflow:Property', { name, value });
    if (props) {
      newProp.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: [...(props.properties || []), newProp] });
      return;
    }
    const newProps = moddle.create('spiffworkflow:Properties', { properties: [newProp] });
    newProp.$parent = newProps;
    if (ext) {
      newProps.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: [...(ext.values || []), newProps] });
      return;
    }
    const newExt = bpmnFactory.create('bpmn:ExtensionElements', { values: [newProps] });
    newProps.$parent = newExt;
    newExt.$parent = bo;
    modeling.updateProperties(element, { extensionElements: newExt });
  }

  function expression(text) {
    return bpmnFactory.create('bpmn:FormalExpression', { body: text });
  }

  function setCondition(element, text) {
    const bo = element.businessObject;
    const current = bo.conditionExpression;
    if (!text.trim()) {
      if (current) modeling.updateProperties(element, { conditionExpression: undefined });
    } else if (current) {
      modeling.updateModdleProperties(element, current, { body: text });
    } else {
      modeling.updateProperties(element, { conditionExpression: expression(text) });
    }
  }

  function timerOf(bo) {
    return (bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
  }

  function timerType(timer) {
    return (TIMER_TYPES.find(([type]) => timer[type]) || TIMER_TYPES[0])[0];
  }

  function setTimer(element, type, text) {
    const timer = timerOf(element.businessObject);
    const values = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    values[type] = text.trim() ? expression(text) : undefined;
    if (values[type]) values[type].$parent = timer;
    modeling.updateModdleProperties(element, timer, values);
  }

  function serviceOf(bo) {
    const ext = bo.extensionElements;
    const op = ext && (ext.values || []).find((v) => is(v, 'spiffworkflow:ServiceTaskOperator'));
    return op ? op.id : '';
  }

  // -- the properties panel --------------------------------------------------------------------------------------

  let current = null;

  function field(id, label, control, help) {
    return h('div', { class: 'field' }, h('label', { for: id, text: label }), control,
      help ? h('div', { class: 'help', text: help }) : null);
  }

  function select(id, value, options, onchange) {
    const known = options.some(([v]) => v === value);
    const all = known || !value ? options : [...options, [value, `${value}（未知）`]];
    const node = h('select', { id, onchange: (e) => onchange(e.target.value) },
      ...all.map(([v, text]) => h('option', { value: v, text, selected: v === value })));
    node.value = value;
    return node;
  }

  function onCommit(node, apply) {
    node.addEventListener('change', (e) => apply(e.target.value));
    if (node.tagName === 'INPUT') {
      node.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); apply(e.target.value); }
      });
    }
    return node;
  }

  function renderPanel() {
    panel.textContent = '';
    let element = current;
    if (element && element.type === 'label') element = element.labelTarget;
    if (!element || !registry.get(element.id)) {
      current = null;
      panel.append(h('h2', { text: '属性' }),
        h('p', { class: 'muted', text: '在流程图中选中一个元素（任务、泳道、连线、事件……）以编辑其属性。' }));
      return;
    }
    const bo = element.businessObject;
    const type = bo.$type;
    panel.append(h('h2', { text: TYPE_LABELS[type] || type.replace('bpmn:', '') }),
      h('p', { class: 'muted element-id' }, 'ID：', h('code', { text: bo.id })));

    if (is(bo, 'bpmn:Lane')) {
      // Lanes show the role's Chinese name; 部署 stores its key (the server maps names back to keys).
      const roles = [['', '（未指定角色）'], ...config.roles.map((r) => [r.key, `${r.name}（${r.key}）`])];
      const role = config.roles.find((r) => r.name === bo.name || r.key === bo.name);
      panel.append(field('prop-role', '角色', select('prop-role', role ? role.key : '', roles,
        (value) => modeling.updateProperties(element, {
          name: value ? config.roles.find((r) => r.key === value).name : undefined })),
      '泳道中的用户任务由此角色办理。'));
      return;
    }
    if ('name' in bo.$descriptor.propertiesByName) {
      panel.append(field('prop-name', '名称', onCommit(h('input', { id: 'prop-name', type: 'text', value: bo.name || '' }),
        (value) => { if (value !== (bo.name || '')) modeling.updateProperties(element, { name: value || undefined }); })));
    }
    if (is(bo, 'bpmn:UserTask')) {
      const forms = [['', '（未指定表单）'], ...config.forms.map((f) => [f.key, `${f.title}（${f.key}）`])];
      panel.append(field('prop-form', '表单', select('prop-form', spiffProperty(bo, 'formKey'), forms,
        (value) => setSpiffProperty(element, 'formKey', value)), '办理此任务时填写的表单（formKey）。'));
    }
    if (is(bo, 'bpmn:ServiceTask')) {
      panel.append(h('p', { class: 'muted' }, '服务：', h('code', { text: serviceOf(bo) || '（未指定）' })));
    }
    if (is(bo, 'bpmn:EndEvent')) {
      const outcomes = [['', '（未指定结果）'], ...config.outcomes.map((o) => [o.value, `${o.label}（${o.value}）`])];
      panel.append(field('prop-outcome', '结果', select('prop-outcome', spiffProperty(bo, 'outcome'), outcomes,
        (value) => setSpiffProperty(element, 'outcome', value)), '流程在此结束时记录的状态（outcome）。'));
    }
    if (is(bo, 'bpmn:SequenceFlow')) {
      const text = bo.conditionExpression ? bo.conditionExpression.body || '' : '';
      panel.append(field('prop-condition', '条件', onCommit(h('textarea', { id: 'prop-condition', rows: 3, spellcheck: 'false' }, text),
        (value) => { if (value !== text) setCondition(element, value); }),
      '表达式，例如 decision == "approve"；排他网关的出口连线须有条件（或设为默认连线）。'));
      const source = bo.sourceRef;
      if (is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway')) {
        const gateway = registry.get(source.id);
        panel.append(h('div', { class: 'field' }, h('label', { class: 'radio', for: 'prop-default' },
          h('input', { id: 'prop-default', type: 'checkbox', checked: source.default === bo,
            onchange: (e) => modeling.updateProperties(gateway, { default: e.target.checked ? bo : undefined }) }),
          '设为默认连线（其他条件都不成立时走此连线）')));
      }
    }
    const timer = (is(bo, 'bpmn:Event') && timerOf(bo)) || null;
    if (timer) {
      const kind = timerType(timer);
      const value = timer[kind] ? timer[kind].body || '' : '';
      const typeSelect = select('prop-timer-type', kind, TIMER_TYPES, (next) => setTimer(element, next, valueInput.value));
      const valueInput = onCommit(h('input', { id: 'prop-timer-value', type: 'text', value, spellcheck: 'false' }),
        (next) => { if (next !== value) setTimer(element, typeSelect.value, next); });
      panel.append(field('prop-timer-type', '定时器类型', typeSelect),
        field('prop-timer-value', '定时器表达式', valueInput, '表达式：字符串须加引号，例如 "P7D"；也可写变量名，例如 expires_at。'));
    }
  }

  eventBus.on('selection.changed', (event) => {
    current = event.newSelection.length === 1 ? event.newSelection[0] : null;
    renderPanel();
  });
  eventBus.on('commandStack.changed', () => {
    // Edits, undo and redo: show the model's values (a stale field would write its old value back on blur).
    // Fields apply on change, so nothing typed is lost; the focused field keeps the focus.
    const focused = panel.contains(document.activeElement) ? document.activeElement.id : null;
    renderPanel();
    const again = focused && document.getElementById(focused);
    if (again) again.focus();
  });

  // -- lint errors on the canvas ----------------------------------------------------------------------------------

  let marked = [];

  function clearErrors() {
    overlays.remove({ type: 'lint' });
    for (const id of marked) if (registry.get(id)) canvas.removeMarker(id, 'lint-error');
    marked = [];
    errorsList.textContent = '';
    errorsBox.hidden = true;
  }

  /** The shape an issue belongs to: the element itself, or the pool of a process named by its id. */
  function shapeFor(id) {
    const direct = registry.get(id);
    if (direct) return direct;
    return registry.find((e) => is(e.businessObject, 'bpmn:Participant') && e.businessObject.processRef
      && e.businessObject.processRef.id === id) || null;
  }

  function showErrors(errors) {
    clearErrors();
    const byShape = new Map();
    for (const issue of errors) {
      const shape = shapeFor(issue.element_id);
      const item = h('li', {}, h('code', { text: issue.element_id }), `：${issue.message}`);
      if (shape) {
        item.classList.add('selectable');
        item.title = '在流程图中选中此元素';
        item.addEventListener('click', () => { selection.select(shape); canvas.scrollToElement(shape); });
        if (!byShape.has(shape.id)) byShape.set(shape.id, []);
        byShape.get(shape.id).push(issue.message);
      }
      errorsList.append(item);
    }
    for (const [id, messages] of byShape) {
      canvas.addMarker(id, 'lint-error');
      marked.push(id);
      const badge = h('div', { class: 'lint-badge', title: messages.join('\n'), text: '!' });
      overlays.add(id, 'lint', { position: { top: -10, right: 10 }, html: badge });
    }
    errorsBox.hidden = false;
  }

  // -- toolbar: 部署, 下载 .bpmn, 打开 .bpmn ---------------------------------------------------------------------------

  async function deploy(button) {
    button.disabled = true;
    showStatus('正在检查并部署……', '');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const response = await fetch(config.deploy_url, {
        method: 'POST', credentials: 'same-origin', body: xml,
        headers: { 'Content-Type': 'application/xml', Accept: 'application/json', 'X-CSRFToken': config.csrf_token },
      });
      let data = null;
      try { data = await response.json(); } catch (_err) { data = null; }
      if (response.status === 201 && data) {
        clearErrors();
        config.version = data.version;
        document.getElementById('modeler-version').textContent = data.version;
        showStatus(`已部署为版本 ${data.version}`, 'success');
      } else if (response.status === 422 && data && data.errors && data.errors.length) {
        showErrors(data.errors);
        showStatus(`${data.message || '流程图未通过检查'}，共 ${data.errors.length} 处问题，未部署`, 'error');
      } else if (response.status === 400 && !data) {
        showStatus('页面已过期，请刷新后重试（未部署）', 'error');
      } else {
        showStatus(`部署失败：${(data && data.message) || `服务器返回 ${response.status}`}`, 'error');
      }
    } catch (err) {
      showStatus(`部署失败：${err.message || err}`, 'error');
    } finally {
      button.disabled = false;
    }
  }

  async function download() {
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      const link = h('a', { href: url, download: `${config.key}-edited.bpmn` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      showStatus(`导出失败：${err.message || err}`, 'error');
    }
  }

  /** Fit the whole diagram into view, right of the palette (which floats over the canvas's left edge). */
  function fitBesidePalette() {
    canvas.zoom('fit-viewport', 'auto');
    const palette = canvasElement.querySelector('.djs-palette');
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !inner.height || !outer.width) return;
    const margin = 20;
    const left = (palette ? palette.offsetLeft + palette.offsetWidth : 0) + margin;
    const scale = Math.min((outer.width - left - margin) / inner.width, (outer.height - 2 * margin) / inner.height, 1);
    if (scale <= 0) return;
    const width = outer.width / scale;
    const height = outer.height / scale;
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - (height - inner.height) / 2, width, height });
  }

  async function open(xml, name) {
    clearErrors();
    current = null;
    try {
      await modeler.importXML(xml);
      fitBesidePalette();
      renderPanel();
      if (name) showStatus(`已打开 ${name}，尚未部署`, '');
      return true;
    } catch (err) {
      showStatus(`无法打开流程图：${err.message || err}`, 'error');
      return false;
    }
  }

  document.getElementById('modeler-deploy').addEventListener('click', (e) => deploy(e.currentTarget));
  document.getElementById('modeler-download').addEventListener('click', download);
  document.getElementById('modeler-open-button').addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    if (file) await open(await file.text(), file.name);
    fileInput.value = '';
  });

  open(config.xml, null).then((ok) => {
    if (ok) root.dataset.ready = 'true';
  });
})();
