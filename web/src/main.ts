import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.ts';
import { onProblem } from './api/client.ts';
import { session, setMe } from './session.ts';
import { i18n, startLanguage } from './i18n/index.ts';
import './styles.css';

// A session that ended elsewhere (expired, password changed, account removed): back to the login page.
onProblem((problem) => {
  if (problem.status === 401 && session.me) {
    setMe(null);
    const here = router.currentRoute.value;
    if (!here.meta.public) void router.replace({ name: 'login', query: { next: here.fullPath, expired: '1' } });
  }
});

// The page opens in its language, not in English first.
void startLanguage().finally(() => createApp(App).use(i18n).use(router).mount('#app'));
