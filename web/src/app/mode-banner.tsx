import { ModeNotice } from '../components/mode-notice';
import { useAppConfig } from '../lib/app-config';

/** The simulated/test-mode banner for pages of the main app (checkout renders ModeNotice itself). */
export function ModeBanner() {
  const { mode } = useAppConfig();
  return <ModeNotice mode={mode} />;
}
