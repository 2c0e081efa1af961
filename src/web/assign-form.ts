// The host page's assign form as an assignment request, the same body the API takes. A mistake in
// the form itself is refused with the field it belongs to, so the page can show it there.
import { AppError, errors } from '../errors.js';

export interface AssignForm {
  profile: string;
  template: string;
  hostname: string;
  params: string;
}

export function assignmentFromForm(typed: AssignForm): object {
  let params: unknown;
  try {
    params = typed.params.trim() ? JSON.parse(typed.params) : {};
  } catch (err) {
    throw errors.formJson(err, 'params');
  }
  if (typed.profile && typed.template) throw new AppError('VALIDATION', 'choose a profile or a template, not both', 'template');
  // A template chosen without a profile is a direct kickstart assignment with the typed params.
  return typed.template && !typed.profile
    ? { action: 'kickstart', template: typed.template, ...(typed.hostname ? { hostname: typed.hostname } : {}), params }
    : { profile: typed.profile, ...(typed.hostname ? { hostname: typed.hostname } : {}), params };
}
