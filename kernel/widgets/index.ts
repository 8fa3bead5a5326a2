/**
 * The `widgets` name in cells: ipywidgets' controls, layouts and `interact`, speaking the Jupyter
 * widgets protocol to JupyterLab and Notebook 7.
 *
 * @example
 * const h = new widgets.IntSlider({ value: 32, min: 16, max: 128, description: "H" });
 * h.onChange((v) => console.log(v));
 * h;   // the last expression shows the slider
 * widgets.interact(({ n }) => torch.ones(n), { n: [1, 5] });
 */
export {
  Accordion, Button, Checkbox, Dropdown, FloatProgress, FloatSlider, HBox, HTML, Image, IntProgress, IntRangeSlider, IntSlider,
  jslink, Label, Layout, Link, Output, Play, Progress, Style, Tab, Text, Textarea, ToggleButtons, VBox,
  type LayoutOptions, type SelectionOptions,
} from "./controls.js";
export { interact, interactive, interactive_output, Interactive, type Abbreviation, type ValueOf, type ValuesOf } from "./interact.js";
export { hasWidgetManager, Widget, widgetState, type Change, type ChangeHandler, type WidgetStateDocument } from "./widget.js";
