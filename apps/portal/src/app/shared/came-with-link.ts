import { ActivatedRouteSnapshot } from '@angular/router';

/** True when the page was opened with something that looks like a personal link (a query or a fragment). */
export function cameWithLink(route: ActivatedRouteSnapshot): boolean {
  return route.queryParamMap.keys.length > 0 || !!route.fragment;
}
