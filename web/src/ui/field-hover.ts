/** Hover and focus handlers that light a set of frame fields in every view of the frame. */
import type { FieldId } from '../model/frame-layout.js';
import { hoveredFields } from '../state.js';

export function lightProps(ids: readonly FieldId[]) {
  const on = () => (hoveredFields.value = ids);
  const off = () => (hoveredFields.value = []);
  return { onMouseEnter: on, onMouseLeave: off, onFocus: on, onBlur: off };
}

export function isLit(ids: readonly FieldId[]): boolean {
  const lit = hoveredFields.value;
  return ids.some((id) => lit.includes(id));
}
